"""A training request: parsed from the command line, then checked against the workspace's guardrails.

Two kinds of problem, each reported with all its problems at once, both invalid input (exit 2):

- `parse_request` rejects what is malformed (`InvalidInput`): a runtime
  that is not a duration, a hyperparameter without `=`, an instance count below
  1, an input that is not an `s3://` URI, an image that is not an ECR image URI.
- `check_request` refuses what is well formed but outside the workspace's
  guardrails (`GuardrailViolations`, exit 2 as in `provision request`), with the same numbers the
  workspace's IAM policy enforces (infra/capabilities/training.py) and the
  execution role's permissions (infra/capabilities/foundation.py):
  instance type in `training.instance_types`; at most `training.max_instances`
  instances (no IAM key exists for the count; the parameter and the service
  quota enforce it); runtime at most `training.max_runtime_hours`; spot only
  where `training.spot` is on; the image from the workspace's repository (the
  only one the execution role may pull); inputs in the workspace's data or
  artifacts bucket (the only ones it may read).

Nothing here calls AWS or imports the SDK, so a refused request costs nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from provisioner.ds import GuardrailViolations
from provisioner.ds.workspace import WorkspaceFacts
from provisioner.errors import Problem, ProblemCollector
from provisioner.models.resolved import WorkspaceContext

ARGS = "<command line>"
DEFAULT_MAX_RUNTIME_HOURS = 24  # the blueprint default, and SageMaker's own
MAX_HYPERPARAMETERS = 100  # SageMaker limits
MAX_HYPERPARAMETER_KEY = 256
MAX_HYPERPARAMETER_VALUE = 2500
DEFAULT_CHANNEL = "train"

_DURATION = re.compile(r"(\d+)\s*([dhms])")
_DURATION_FULL = re.compile(r"^\s*(\d+\s*[dhms]\s*)+$")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_S3_URI = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/.*)?$")
_CHANNEL = re.compile(r"^[A-Za-z0-9.\-_]{1,64}$")
_ECR_IMAGE = re.compile(
    r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?/([a-z0-9][a-z0-9._/-]*)(:[A-Za-z0-9._-]{1,128}|@sha256:[a-f0-9]{64})?$"
)
_INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9-]+\.[a-z0-9]+$")


def parse_duration(text: str) -> int | None:
    """`4h`, `90m`, `1h30m`, `2d`, `3600s` (or plain seconds `3600`) -> seconds; None if malformed."""
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    if not _DURATION_FULL.match(text):
        return None
    return sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION.findall(text))


def format_duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s" if secs else ""]
    return "".join(parts) or "0s"


@dataclass(frozen=True)
class TrainingRequest:
    """What the data scientist asked for, well formed (not yet checked against the guardrails)."""

    image: str
    instance_type: str | None = None  # None: the workspace's first allowed type
    instance_count: int = 1
    spot: bool = False
    max_runtime_seconds: int | None = None  # None: the workspace's maximum
    hyperparameters: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)  # channel -> s3 URI
    register: bool = False

    def resolved_instance_type(self, ctx: WorkspaceContext) -> str:
        return self.instance_type or allowed_instance_types(ctx)[0]

    def resolved_runtime(self, ctx: WorkspaceContext) -> int:
        return self.max_runtime_seconds if self.max_runtime_seconds is not None else max_runtime_seconds(ctx)


def allowed_instance_types(ctx: WorkspaceContext) -> list[str]:
    return list(ctx.param("training.instance_types") or ctx.guardrails.training_instance_types)


def max_instances(ctx: WorkspaceContext) -> int:
    return int(ctx.param("training.max_instances") or ctx.guardrails.max_training_instances)


def max_runtime_seconds(ctx: WorkspaceContext) -> int:
    return int(ctx.param("training.max_runtime_hours") or DEFAULT_MAX_RUNTIME_HOURS) * 3600


def spot_allowed(ctx: WorkspaceContext) -> bool:
    return bool(ctx.param("training.spot", False))


def parse_request(
    *,
    image: str,
    instance_type: str | None = None,
    instance_count: int = 1,
    spot: bool = False,
    max_runtime: str | None = None,
    hyperparameters: list[str] | None = None,
    inputs: list[str] | None = None,
    register: bool = False,
) -> TrainingRequest:
    """Command-line values -> a TrainingRequest; every malformed value reported at once (exit 2)."""
    problems = ProblemCollector()
    image = image.strip()
    if not _ECR_IMAGE.match(image):
        problems.add(ARGS, "--image", f"{image!r} is not an ECR image URI",
                     "give ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY:TAG (push your image to the workspace "
                     "repository; `provision env NAME -o json` shows its URL)")
    if instance_type is not None and not _INSTANCE_TYPE.match(instance_type):
        problems.add(ARGS, "--instance-type", f"{instance_type!r} is not a SageMaker instance type",
                     "SageMaker types look like ml.g5.xlarge")
    if instance_count < 1:
        problems.add(ARGS, "--instance-count", f"{instance_count} is below 1", "give a count of 1 or more")
    runtime = None
    if max_runtime is not None:
        runtime = parse_duration(max_runtime)
        if runtime is None:
            problems.add(ARGS, "--max-runtime", f"{max_runtime!r} is not a duration",
                         "write it like 4h, 90m, 1h30m, 2d or 3600s")
        elif runtime < 1:
            problems.add(ARGS, "--max-runtime", f"{max_runtime!r} is zero", "give a positive duration such as 4h")
    params = _parse_hyperparameters(hyperparameters or [], problems)
    channels = _parse_inputs(inputs or [], problems)
    problems.raise_if_any()
    return TrainingRequest(image=image, instance_type=instance_type, instance_count=instance_count, spot=spot,
                           max_runtime_seconds=runtime, hyperparameters=params, inputs=channels, register=register)


def _parse_hyperparameters(values: list[str], problems: ProblemCollector) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.add(ARGS, "--hyperparameter", f"{item!r} is not KEY=VALUE", "write it as --hyperparameter epochs=10")
        elif key in parsed:
            problems.add(ARGS, "--hyperparameter", f"{key!r} is given twice", "give each hyperparameter once")
        elif len(key) > MAX_HYPERPARAMETER_KEY or len(value) > MAX_HYPERPARAMETER_VALUE:
            problems.add(ARGS, "--hyperparameter", f"{key!r} is too long",
                         f"SageMaker allows keys up to {MAX_HYPERPARAMETER_KEY} and values up to "
                         f"{MAX_HYPERPARAMETER_VALUE} characters; pass larger values as an input file")
        else:
            parsed[key] = value
    if len(parsed) > MAX_HYPERPARAMETERS:
        problems.add(ARGS, "--hyperparameter", f"{len(parsed)} hyperparameters given",
                     f"SageMaker allows at most {MAX_HYPERPARAMETERS}")
    return parsed


def _parse_inputs(values: list[str], problems: ProblemCollector) -> dict[str, str]:
    """`s3://...` (channel `train`) or `CHANNEL=s3://...`."""
    channels: dict[str, str] = {}
    for item in values:
        name, sep, uri = item.partition("=")
        if not sep or item.startswith("s3://"):
            name, uri = DEFAULT_CHANNEL, item
        name, uri = name.strip(), uri.strip()
        if not _CHANNEL.match(name):
            problems.add(ARGS, "--input", f"channel name {name!r} is not valid",
                         "use letters, digits, '.', '-' and '_' (up to 64), as in --input validation=s3://...")
        elif not _S3_URI.match(uri):
            problems.add(ARGS, "--input", f"{uri!r} is not an s3:// URI",
                         "give s3://BUCKET/PREFIX, or CHANNEL=s3://BUCKET/PREFIX")
        elif name in channels:
            problems.add(ARGS, "--input", f"channel {name!r} is given twice",
                         "name each channel: --input train=s3://... --input validation=s3://...")
        else:
            channels[name] = uri
    return channels


def check_request(ctx: WorkspaceContext, facts: WorkspaceFacts, request: TrainingRequest) -> None:
    """Refuse (exit 2) a request the workspace's guardrails forbid; report every violation at once."""
    problems: list[Problem] = []

    def refuse(option: str, message: str, hint: str) -> None:
        problems.append(Problem(ARGS, option, message, hint))

    allowed = allowed_instance_types(ctx)
    instance_type = request.resolved_instance_type(ctx)
    if instance_type not in allowed:
        refuse("--instance-type", f"{instance_type!r} is not allowed in workspace {ctx.name}",
               f"pick one of: {', '.join(allowed)}; or ask for it in training.instance_types (plan, review, apply)")
    limit = max_instances(ctx)
    if request.instance_count > limit:
        refuse("--instance-count", f"{request.instance_count} instances is more than workspace {ctx.name} allows ({limit})",
               f"use at most {limit}, or raise training.max_instances in the spec (within the org maximum "
               f"{ctx.guardrails.max_training_instances})")
    runtime, runtime_limit = request.resolved_runtime(ctx), max_runtime_seconds(ctx)
    if runtime > runtime_limit:
        refuse("--max-runtime", f"{format_duration(runtime)} is longer than workspace {ctx.name} allows "
               f"({format_duration(runtime_limit)})",
               f"use --max-runtime {format_duration(runtime_limit)} or less, or raise training.max_runtime_hours "
               f"(org maximum {ctx.guardrails.max_training_runtime_hours}h)")
    if request.spot and not spot_allowed(ctx):
        refuse("--spot", f"managed spot training is turned off in workspace {ctx.name}",
               "drop --spot, or set training.spot: true in the spec (plan, review, apply)")
    repository = facts.image_repository_url
    if not (request.image.startswith(repository + ":") or request.image.startswith(repository + "@")
            or request.image == repository):
        refuse("--image", f"{request.image!r} is not in the image repository of workspace {ctx.name}, the only "
               "one its execution role may pull from", f"push the image to {repository} and use {repository}:TAG")
    buckets = (facts.data_bucket, facts.artifacts_bucket)
    for channel, uri in request.inputs.items():
        match = _S3_URI.match(uri)
        if match and match.group(1) not in buckets:
            refuse("--input", f"channel {channel!r}: bucket {match.group(1)!r} is outside workspace {ctx.name}, "
                   "whose execution role may read only the workspace buckets",
                   f"copy the data to s3://{facts.data_bucket}/... and train from there")
    if problems:
        raise GuardrailViolations(problems)
