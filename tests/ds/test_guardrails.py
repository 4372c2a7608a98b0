"""Training requests: malformed arguments and requests outside the guardrails, both invalid input (exit 2).

Pure: no AWS, no SDK. The CLI tests here point AWS at a closed port with no
credentials, so a command that tried to call AWS would fail with exit 1
instead of the exit code asserted.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from provisioner.catalog.loader import Catalog
from provisioner.ds import GuardrailViolations
from provisioner.ds.guardrails import TrainingRequest, check_request, format_duration, parse_duration, parse_request
from provisioner.ds.workspace import facts
from provisioner.errors import InvalidInput
from provisioner.models.org import load_org
from provisioner.specs.workspaces import load_named

from .conftest import MOTO_ACCOUNT, REGION


def _context(org: Path, name: str):
    loaded = load_org(str(org))
    return load_named(loaded, Catalog.for_org(loaded), name)


def _image(ctx) -> str:
    return facts(ctx).image_repository_url + ":1"


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch) -> str:
    """AWS pointed at a closed port on 127.0.0.1, with no credentials: any AWS call fails (exit 1)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return endpoint


@pytest.mark.parametrize("text, seconds", [
    ("4h", 14400), ("90m", 5400), ("1h30m", 5400), ("2d", 172800), ("3600s", 3600), ("3600", 3600), ("1H 5M", 3900),
])
def test_durations_parse_to_seconds(text: str, seconds: int):
    # GIVEN a duration as a data scientist writes it  WHEN parsed  THEN it is that many seconds
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["4x", "h", "", "4.5h", "-1h", "4h-"])
def test_fails_when_duration_is_malformed(text: str):
    # GIVEN something that is not a duration  WHEN parsed  THEN it is rejected
    assert parse_duration(text) is None


def test_durations_format_back_compactly():
    # GIVEN seconds  WHEN formatted  THEN they read like the input syntax
    assert [format_duration(s) for s in (14400, 5400, 43261, 0)] == ["4h", "1h30m", "12h1m1s", "0s"]


def test_fails_when_arguments_are_malformed_reporting_every_problem_at_once():
    # GIVEN several malformed arguments
    # WHEN the request is parsed
    with pytest.raises(InvalidInput) as caught:
        parse_request(image="nginx:latest", instance_count=0, max_runtime="4x", instance_type="g5.xlarge",
                      hyperparameters=["epochs", "lr=0.1", "lr=0.2"], inputs=["http://example/data", "a=s3://bucket-1/x",
                                                                               "a=s3://bucket-2/y"])
    # THEN each one is reported, by option, in one error (exit 2)
    fields = sorted(p.field for p in caught.value.problems)
    assert fields == ["--hyperparameter", "--hyperparameter", "--image", "--input", "--input", "--instance-count",
                      "--instance-type", "--max-runtime"]
    assert caught.value.exit_code == 2


def test_inputs_name_channels_and_default_to_train():
    # GIVEN a bare s3 URI and a named channel  WHEN parsed  THEN the bare one is channel `train`
    request = parse_request(image=f"{MOTO_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/repo:1",
                            inputs=["s3://bucket-a/train/", "validation=s3://bucket-a/val/"],
                            hyperparameters=["epochs=3", "note=a=b"])
    assert request.inputs == {"train": "s3://bucket-a/train/", "validation": "s3://bucket-a/val/"}
    # AND hyperparameter values keep everything after the first `=`
    assert request.hyperparameters == {"epochs": "3", "note": "a=b"}


def test_request_within_the_guardrails_passes(org: Path):
    # GIVEN churn-model (g5.xlarge/g5.2xlarge, at most 2 instances and 12h, spot allowed)
    ctx = _context(org, "churn-model")
    data = facts(ctx)
    request = TrainingRequest(image=_image(ctx), instance_type="ml.g5.2xlarge", instance_count=2, spot=True,
                              max_runtime_seconds=12 * 3600, inputs={"train": f"s3://{data.data_bucket}/x/"})
    # WHEN it is checked  THEN nothing is raised
    check_request(ctx, data, request)
    # AND the defaults are the first allowed type and the workspace's maximum runtime
    default = TrainingRequest(image=_image(ctx))
    assert default.resolved_instance_type(ctx) == "ml.g5.xlarge"
    assert default.resolved_runtime(ctx) == 12 * 3600


def test_fails_when_request_breaks_every_guardrail_reporting_each(org: Path):
    # GIVEN churn-model with spot turned off in its spec
    spec = org / "workspaces" / "churn-model.yaml"
    spec.write_text(spec.read_text().replace("    max_runtime_hours: 12\n", "    max_runtime_hours: 12\n    spot: false\n"))
    ctx = _context(org, "churn-model")
    request = TrainingRequest(image=f"{MOTO_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/someone-else:1",
                              instance_type="ml.p4d.24xlarge", instance_count=3, spot=True,
                              max_runtime_seconds=13 * 3600, inputs={"train": "s3://public-datasets/x/"})
    # WHEN it is checked
    with pytest.raises(GuardrailViolations) as caught:
        check_request(ctx, facts(ctx), request)
    # THEN every guardrail it breaks is reported, as invalid input (exit 2)
    assert caught.value.exit_code == 2
    assert [p.field for p in caught.value.problems] == [
        "--instance-type", "--instance-count", "--max-runtime", "--spot", "--image", "--input"]
    assert "ml.g5.xlarge, ml.g5.2xlarge" in caught.value.problems[0].hint


def test_disallowed_instance_type_is_refused_before_any_aws_call(run, no_aws: str):
    # GIVEN AWS unreachable and no credentials (any AWS call would end in exit 1)
    ctx = _context(Path.cwd(), "churn-model")
    # WHEN a data scientist asks for an instance type the workspace does not allow
    result = run("train", "churn-model", "--image", _image(ctx), "--instance-type", "ml.p4d.24xlarge")
    # THEN it is refused as invalid input (exit 2), naming the allowed types, without calling AWS
    assert result.code == 2, result.err
    assert len(result.error_lines) == 1
    assert "'ml.p4d.24xlarge' is not allowed in workspace churn-model" in result.err
    assert "ml.g5.xlarge, ml.g5.2xlarge" in result.err


def test_the_same_guardrail_gets_the_same_exit_code_in_request_and_train(run, no_aws: str):
    # GIVEN a GPU type outside the org's and the workspace's guardrails
    ctx = _context(Path.cwd(), "churn-model")
    # WHEN a data scientist asks for it in a new workspace, and for a training job in an existing one
    requested = run("request", "big-lab", "--blueprint", "gpu-training", "--env", "dev", "--owner", "carol@example.com",
                    "--team", "vision", "--tag", "cost-center=cc-1", "--set", "training.instance_types=[ml.p5.48xlarge]")
    trained = run("train", "churn-model", "--image", _image(ctx), "--instance-type", "ml.p5.48xlarge")
    # THEN both are refused with the same exit code, 2 (invalid input, as the README documents), one line each
    assert requested.code == trained.code == 2, (requested.err, trained.err)
    assert len(requested.error_lines) == len(trained.error_lines) == 1
    assert "'ml.p5.48xlarge' is not allowed" in requested.err and "'ml.p5.48xlarge' is not allowed" in trained.err


def test_fails_when_max_runtime_is_not_a_duration(run, no_aws: str):
    # GIVEN a malformed --max-runtime  WHEN train runs  THEN it is invalid input (exit 2), not policy
    ctx = _context(Path.cwd(), "churn-model")
    result = run("train", "churn-model", "--image", _image(ctx), "--max-runtime", "4x")
    assert result.code == 2, result.err
    assert result.error_lines == [
        "error: <command line>: --max-runtime: '4x' is not a duration; write it like 4h, 90m, 1h30m, 2d or 3600s"]


def test_fails_when_workspace_has_no_training_capability(run, no_aws: str):
    # GIVEN recsys-ab, a serving-only workspace  WHEN asked to train  THEN it is invalid input (exit 2)
    result = run("train", "recsys-ab", "--image", f"{MOTO_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/x:1")
    assert result.code == 2, result.err
    assert "has no training capability" in result.err


def test_dry_run_shows_the_job_without_calling_aws(run, no_aws: str):
    # GIVEN AWS unreachable  WHEN a valid spot request is dry-run
    ctx = _context(Path.cwd(), "churn-model")
    result = run("train", "churn-model", "--image", _image(ctx), "--spot", "--max-runtime", "2h", "--dry-run",
                 "-o", "json")
    # THEN it succeeds and shows the job it would create: workspace role, key, checkpoints, tags
    assert result.code == 0, result.err
    plan = result.json()["plan"]
    data = facts(ctx)
    assert plan["role_arn"] == data.role_arn and plan["key_id"] == data.key_id
    assert plan["max_runtime_seconds"] == 7200 and plan["max_wait_seconds"] == 14400
    assert plan["checkpoint_uri"].startswith(f"s3://{data.artifacts_bucket}/")
    assert plan["tags"]["provision:workspace"] == "churn-model"
    assert plan["volume_key_id"] is None  # g5 volumes are local NVMe, encrypted by the hardware
