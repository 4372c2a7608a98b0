"""What a data scientist needs to know about a workspace, without asking anyone for ARNs.

Two sources, in this order:

1. the applied workspace's Terraform outputs (`terraform output -json` through the
   engine), when the stack folder has been initialized by `provision plan/apply`
   and its state holds outputs: these carry the real key ARN;
2. otherwise the names the stack is synthesized with (`infra.resource_names`),
   which `infra.sdk_defaults` also uses for the `sagemaker-defaults.yaml` that
   `provision synth` writes. Computing them needs no jsii (synth costs ~3 s and
   ~0.9 GiB), and gives the same values: the key by its alias ARN, which the
   workspace's IAM conditions accept as well as the key ARN.

`applied_outputs` is the only function here that runs Terraform.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from infra.resource_names import WorkspaceNames
from provisioner.errors import InvalidInput, OperationFailed
from provisioner.models.resolved import WorkspaceContext

SOURCE_OUTPUTS = "terraform outputs"
SOURCE_SYNTH = "synthesized config"

# Terraform output ids (infra/capabilities: "output ids are an API") -> WorkspaceFacts fields.
OUTPUT_FIELDS = {
    "execution_role_arn": "role_arn",
    "artifacts_bucket": "artifacts_bucket",
    "data_bucket": "data_bucket",
    "key_arn": "key_id",
    "model_package_group_name": "model_package_group",
    "training_job_prefix": "training_job_prefix",
    "image_repository_url": "image_repository_url",
}


@dataclass(frozen=True)
class WorkspaceFacts:
    """The values a training job or the registry needs, and where they came from."""

    name: str
    environment: str
    account_id: str
    region: str
    role_arn: str
    artifacts_bucket: str
    data_bucket: str
    key_id: str  # the key ARN (applied) or alias ARN (synthesized): both satisfy the IAM conditions
    model_package_group: str
    training_job_prefix: str
    image_repository_url: str
    tags: dict[str, str]
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    source: str = SOURCE_SYNTH
    accepted_key_ids: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "workspace": self.name, "environment": self.environment, "account_id": self.account_id,
            "region": self.region, "source": self.source, "execution_role_arn": self.role_arn,
            "artifacts_bucket": self.artifacts_bucket, "data_bucket": self.data_bucket, "key_id": self.key_id,
            "model_package_group": self.model_package_group, "training_job_prefix": self.training_job_prefix,
            "image_repository_url": self.image_repository_url,
            "subnet_ids": list(self.subnet_ids), "security_group_ids": list(self.security_group_ids),
        }


def synthesized_facts(ctx: WorkspaceContext) -> WorkspaceFacts:
    names = WorkspaceNames.of(ctx)
    suffix = "amazonaws.com.cn" if names.partition == "aws-cn" else "amazonaws.com"
    registry = f"{ctx.account_id}.dkr.ecr.{ctx.region}.{suffix}/{names.image_repository}"
    return WorkspaceFacts(
        name=ctx.name, environment=ctx.environment, account_id=ctx.account_id, region=ctx.region,
        role_arn=names.execution_role_arn, artifacts_bucket=names.artifacts_bucket, data_bucket=names.data_bucket,
        key_id=names.key_alias_arn, model_package_group=names.model_package_group,
        training_job_prefix=names.training_job_prefix, image_repository_url=registry, tags=dict(ctx.tags),
        subnet_ids=tuple(ctx.env.subnet_ids), security_group_ids=tuple(ctx.env.security_group_ids),
        source=SOURCE_SYNTH, accepted_key_ids=(names.key_alias_arn,),
    )


def facts(ctx: WorkspaceContext, outputs: dict[str, Any] | None = None) -> WorkspaceFacts:
    """The workspace's facts: synthesized names, overridden by applied outputs where there are any."""
    base = synthesized_facts(ctx)
    if not outputs:
        return base
    values = {f: outputs[o] for o, f in OUTPUT_FIELDS.items() if isinstance(outputs.get(o), str) and outputs[o]}
    if not values:
        return base
    accepted = tuple(dict.fromkeys([values.get("key_id", base.key_id), *base.accepted_key_ids]))
    return replace(base, **values, source=SOURCE_OUTPUTS, accepted_key_ids=accepted)


def spec_display(ctx: WorkspaceContext, root: Path | None = None) -> str:
    """The spec's path as messages show it: relative to the org folder when possible."""
    import os

    if ctx.spec_path is None:
        return f"workspaces/{ctx.name}.yaml"
    if root is None:
        return str(ctx.spec_path)
    try:
        return os.path.relpath(Path(ctx.spec_path).resolve(), Path(root).resolve())
    except ValueError:
        return str(ctx.spec_path)


def require_capability(ctx: WorkspaceContext, capability: str, what: str, root: Path | None = None) -> None:
    if not ctx.has(capability):
        shown = spec_display(ctx, root)
        raise InvalidInput.single(
            shown, "blueprint",
            f"workspace {ctx.name!r} has no {capability} capability ({ctx.blueprint.ref} provides: "
            f"{', '.join(ctx.capabilities)}), so it cannot {what}",
            f"use a workspace whose blueprint includes {capability} (see `provision blueprints list`)")


def applied_outputs(ctx: WorkspaceContext, stack_dir: Path, work_dir: Path, engine: str = "auto") -> dict[str, Any] | None:
    """`terraform output -json` of an applied workspace, or None when it has not been applied here.

    Runs only where `provision plan/apply` has initialized the stack folder
    (`.terraform/` exists; synth keeps it across runs): initializing just to
    read outputs would download providers. Sensitive outputs are dropped.
    """
    if not (stack_dir / ".terraform").is_dir() or not (stack_dir / "cdk.tf.json").is_file():
        return None
    from provisioner.engine.cliconfig import prepare
    from provisioner.engine.discovery import resolve_engine
    from provisioner.engine.runner import Runner
    from provisioner.engine.workdir import Workdir

    runner = Runner(resolve_engine(engine), prepare(work_dir))
    work = Workdir(runner, stack_dir, workspace=ctx.name)
    result = work.run("output", ["output", "-json", "-no-color"], keep_stdout=False)
    try:
        data = json.loads(result.stdout or "{}")
    except ValueError:
        raise OperationFailed(f"workspace {ctx.name}: `terraform output -json` did not return JSON",
                              f"run it yourself in {stack_dir} to see why") from None
    values = {k: v.get("value") for k, v in data.items() if isinstance(v, dict) and not v.get("sensitive")}
    return values or None


def check_account(aws: Any, ctx: WorkspaceContext) -> None:
    """Refuse to act with credentials for another account than the workspace's (exit 1)."""
    check_environment_account(aws, ctx.environment, ctx.env, ctx.region,
                              f"workspace {ctx.name!r} lives in account {ctx.account_id} (environment "
                              f"{ctx.environment!r})")


def check_environment_account(aws: Any, name: str, env: Any, region: str | None = None,
                              subject: str | None = None) -> None:
    """Refuse a session (deploy role, profile or shell credentials) that lands outside environment `name`'s account.

    One line naming both account ids (exit 1), before anything else is asked of AWS (cloud.aws.require_account).
    """
    from provisioner.cloud.aws import require_account

    require_account(aws, region or env.region, env.account_id,
                    subject or f"environment {name!r} is account {env.account_id}", name)


def environment_session(ctx: WorkspaceContext) -> Any:
    """The checked AWS session of the workspace's environment (its deploy role or profile, else the shell's)."""
    from provisioner.cloud.access import access_for

    aws = access_for(ctx).aws()
    check_account(aws, ctx)
    return aws


def check_deploy_roles(contexts: list[WorkspaceContext]) -> None:
    """Before Terraform runs: every environment with a deploy role (or profile) among `contexts` lands in its account.

    Terraform would assume the role itself; asking first refuses a wrong account with one line naming both
    account ids (exit 1) instead of a provider error halfway through a fleet plan. Environments without a
    role or profile are left to Terraform (its provider pins `allowed_account_ids`).
    """
    from provisioner.cloud.access import access_for

    seen: set[str] = set()
    for ctx in contexts:
        if ctx.environment in seen or not (ctx.env.deploy_role_arn or ctx.env.profile):
            continue
        seen.add(ctx.environment)
        check_environment_account(access_for(ctx).aws(), ctx.environment, ctx.env)
