"""The org config, `provision.yaml`: environments, guardrails, required tags."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from provisioner.errors import InvalidInput, Problem, did_you_mean
from provisioner.models._base import StrictModel, load_yaml_model

ORG_FILE = "provision.yaml"
NAME_PATTERN = r"^[a-z][a-z0-9-]*[a-z0-9]$"
# The account id the local cloud (moto) answers with: every local-cloud environment lives in it.
LOCAL_CLOUD_ACCOUNT_ID = "123456789012"


def _real_region(value: str | None) -> str | None:
    """The pattern lets `eu-westt-1` through; only the partitions' region list knows it does not exist."""
    from provisioner.models.aws_regions import region_problem

    problem = region_problem(value) if value else None
    if problem:
        raise ValueError(problem)
    return value
ROLE_ARN = r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9_+=,.@/-]+$"
TRUSTED_PRINCIPAL = r"^arn:aws[a-z-]*:iam::\d{12}:(root|role/[A-Za-z0-9_+=,.@/-]+)$"


class StateConfig(StrictModel):
    """Where a workspace's Terraform state lives. One state per workspace."""

    backend: Literal["s3", "local", "remote"] = Field(
        description="`s3` for shared remote state, `local` for trials, `remote` for HCP Terraform / Terraform Enterprise."
    )
    bucket: str | None = Field(None, description="S3 bucket holding the state (required for `s3`).")
    key_prefix: str = Field("provision", description="Key prefix; the key is `<prefix>/<workspace>/terraform.tfstate`.")
    region: str | None = Field(None, description="Region of the state bucket; defaults to the environment's region.")
    endpoint: str | None = Field(
        None, description="S3 endpoint override (for S3-compatible stores and emulators); leave empty for AWS."
    )
    organization: str | None = Field(None, description="HCP Terraform / TFE organization (required for `remote`).")
    hostname: str = Field("app.terraform.io", description="HCP Terraform or Terraform Enterprise host (`remote`).")
    workspace_name: str = Field(
        "{org}-{workspace}-{environment}",
        description="HCP Terraform workspace name pattern (`remote`); placeholders {org}, {workspace}, {environment}.",
    )

    @field_validator("region")
    @classmethod
    def _real_region(cls, value: str | None) -> str | None:
        return _real_region(value)

    @model_validator(mode="after")
    def _backend_settings(self) -> "StateConfig":
        if self.backend == "s3" and not self.bucket:
            raise ValueError("`bucket` is required when backend is s3; run `provision bootstrap ENV` to create one")
        if self.backend == "remote" and not self.organization:
            raise ValueError("`organization` is required when backend is remote (your HCP Terraform organization)")
        if self.backend == "remote":
            try:
                self.workspace_name.format(org="o", workspace="w", environment="e")
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(f"workspace_name {self.workspace_name!r} has an unknown placeholder ({exc}); "
                                 "use {org}, {workspace}, {environment}") from None
            if "{workspace}" not in self.workspace_name:
                raise ValueError("workspace_name must contain {workspace}: one HCP Terraform workspace per workspace")
        return self

    def remote_workspace(self, org: str, workspace: str, environment: str) -> str:
        return self.workspace_name.format(org=org, workspace=workspace, environment=environment)


class StudioConfig(StrictModel):
    domain_id: str = Field(description="Existing SageMaker Studio domain id, for example `d-abc123`.")


class Environment(StrictModel):
    cloud: Literal["aws", "local"] = Field(
        "aws", description="`aws` for a real AWS account; `local` for the local cloud that `provision sandbox start` "
        "runs on this machine (fixed test credentials, account 123456789012, state in memory: lost on stop).")
    account_id: str = Field(pattern=r"^\d{12}$", description="12-digit AWS account id (`local`: 123456789012, the "
                            "default).")
    region: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$", description="AWS region, for example `eu-west-1`.")
    state: StateConfig = Field(description="Terraform state backend of this environment's workspaces.")
    subnet_ids: list[str] = Field(default_factory=list, description="Private subnets for training and serving.")
    security_group_ids: list[str] = Field(default_factory=list, description="Security groups for VPC jobs.")
    studio: StudioConfig | None = Field(None, description="SageMaker Studio domain for the `notebooks` capability.")
    production: bool = Field(
        False, description="This environment serves production: a model promoted into it always waits for an "
        "approval there (`promotion_approval: approved` is refused when the promotion path leads into it).")
    deploy_role_arn: str | None = Field(
        None, pattern=ROLE_ARN,
        description="Role every command assumes to act in this environment's account (Terraform's provider and "
                    "state backend too); `provision bootstrap ENV` creates it. Empty: the shell's credentials.",
    )
    external_id: str | None = Field(
        None, min_length=2, max_length=1224, pattern=r"^[A-Za-z0-9_+=,.@:/-]+$",
        description="External id the deploy role's trust policy requires, if any.",
    )
    session_name: str | None = Field(
        None, min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_+=,.@-]+$",
        description="Role session name (shows in CloudTrail); default `provision-<user>`.",
    )
    profile: str | None = Field(
        None, min_length=1,
        description="AWS profile to use for this environment instead of a deploy role (a local alternative).",
    )
    alert_topic_arn: str | None = Field(
        None, pattern=r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$",
        description="The platform team's SNS topic in this account: `provision retire` tells the owners of what it "
                    "will delete through it (subscribe the team and the people who create POCs).",
    )
    deploy_role_trust: list[str] = Field(
        default_factory=list,
        description="Principals (role ARNs: a CI role, an admin role) that may assume the deploy role "
                    "`provision bootstrap ENV` creates. A principal of an account outside the org's "
                    "environments needs `external_id`.",
    )
    break_glass_role_arn: str | None = Field(
        None, pattern=ROLE_ARN,
        description="Role that may still read and repair the Terraform state when the deploy role cannot (an "
                    "incident): the state bucket's policy denies every principal but the deploy role, the plan "
                    "role and this one.",
    )

    @model_validator(mode="after")
    def _credentials(self) -> "Environment":
        if self.deploy_role_arn and self.profile:
            raise ValueError("give `deploy_role_arn` or `profile`, not both (the role is assumed from the shell's "
                             "credentials; a profile can assume a role itself)")
        if (self.external_id or self.session_name) and not self.deploy_role_arn:
            raise ValueError("`external_id` and `session_name` need `deploy_role_arn`")
        for principal in self.deploy_role_trust:
            if not re.match(TRUSTED_PRINCIPAL, principal):
                raise ValueError(f"deploy_role_trust: {principal!r} is not a role or account ARN, "
                                 "for example arn:aws:iam::123456789012:role/ci")
        return self

    @property
    def deploy_role_name(self) -> str | None:
        return self.deploy_role_arn.rsplit("/", 1)[-1] if self.deploy_role_arn else None

    @property
    def plan_role_arn(self) -> str | None:
        """The read-only role pull requests plan with: the deploy role's path, its name + `-plan`."""
        return f"{self.deploy_role_arn}-plan" if self.deploy_role_arn else None

    @field_validator("region")
    @classmethod
    def _real_region(cls, value: str) -> str:
        return _real_region(value)

    @model_validator(mode="before")
    @classmethod
    def _local_defaults(cls, data: object) -> object:
        # A local-cloud environment needs no account id or state backend: the emulator's and a local file.
        if isinstance(data, dict) and data.get("cloud") == "local":
            data = {"account_id": LOCAL_CLOUD_ACCOUNT_ID, "state": {"backend": "local"}, **data}
        return data

    @model_validator(mode="after")
    def _local_cloud(self) -> "Environment":
        if self.cloud != "local":
            return self
        if self.account_id != LOCAL_CLOUD_ACCOUNT_ID:
            raise ValueError(f"account_id {self.account_id!r} is not the local cloud's account; leave it out or "
                             f"set {LOCAL_CLOUD_ACCOUNT_ID!r} (the only account the local cloud has)")
        if self.state.backend != "local":
            raise ValueError(f"state.backend {self.state.backend!r} cannot hold a local-cloud environment's state "
                             "(the local cloud forgets everything when it stops); use `state: {backend: local}`")
        # The local cloud has one account and fixed test credentials: there is no role to assume in it.
        for name in ("deploy_role_arn", "external_id", "session_name", "profile", "break_glass_role_arn"):
            if getattr(self, name):
                raise ValueError(f"{name} cannot be used with `cloud: local` (the local cloud has one account and "
                                 "fixed test credentials, no role to assume); remove it")
        if self.deploy_role_trust:
            raise ValueError("deploy_role_trust cannot be used with `cloud: local` (bootstrap creates no deploy role "
                             "in the local cloud); remove it")
        return self

    @property
    def is_local(self) -> bool:
        """True for the local cloud (`cloud: local`), False for a real AWS account."""
        return self.cloud == "local"

    @model_validator(mode="after")
    def _vpc_pairs(self) -> "Environment":
        if self.subnet_ids and not self.security_group_ids:
            raise ValueError("`subnet_ids` needs `security_group_ids` too: VPC jobs run in both")
        if self.security_group_ids and not self.subnet_ids:
            raise ValueError("`security_group_ids` needs `subnet_ids` too: VPC jobs run in both")
        return self


class Guardrails(StrictModel):
    training_instance_types: list[str] = Field(description="Allowlist of training instance types.")
    serving_instance_types: list[str] = Field(description="Allowlist of endpoint instance types.")
    notebook_instance_types: list[str] = Field(default_factory=list, description="Allowlist of notebook types.")
    max_training_instances: int = Field(ge=1, description="Most instances one training job may use.")
    max_endpoint_instances: int = Field(ge=1, description="Most instances one endpoint variant may scale to.")
    max_monthly_budget_usd: float = Field(gt=0, description="Highest monthly budget a workspace may ask for.")
    max_training_runtime_hours: int = Field(ge=1, le=672, description="Longest a training job may run (SageMaker caps at 28 days).")
    max_idle_minutes: int = Field(120, ge=60, le=525600, description="Longest a notebook app may stay idle.")


class OrgMonitoring(StrictModel):
    """How the org's workspaces monitor their models (the `monitoring` capability)."""

    model_monitor: bool = Field(
        False, description="The org's accounts are existing SageMaker Model Monitor customers (AWS closed Model "
        "Monitor to new customers). Allows `monitoring.engine: model-monitor`, and keeps workspaces on blueprints "
        "without `monitoring.engine` (realtime-endpoint and full-mlops 1.0.0) on Model Monitor.")
    processing_images: dict[str, str] = Field(
        default_factory=dict, description="Region to SageMaker scikit-learn processing image URI that the monitoring "
        "pipeline runs, for regions provision's table lacks or to use a copy of the image in your own registry.")


class OrgConfig(StrictModel):
    org: str = Field(pattern=NAME_PATTERN, max_length=12, description="2-12 lowercase letters, digits and hyphens, starting with a letter; the prefix of every name.")
    environments: dict[str, Environment] = Field(min_length=1, description="Environment name (1-10 lowercase letters/digits) to its account, region and state backend.")
    required_tags: list[str] = Field(default_factory=list, description="Tag keys every workspace must supply.")
    guardrails: Guardrails = Field(description="Limits no workspace may exceed; checked on request and enforced by IAM.")
    blueprint_paths: list[str] = Field(default_factory=list, description="Extra blueprint folders (relative to this file).")
    engine: Literal["auto", "terraform", "tofu", "embedded"] = Field("auto", description="Terraform engine to run.")
    monitoring: OrgMonitoring = Field(default_factory=OrgMonitoring, description="Model monitoring settings of the org.")
    github_repository: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$",
        description="The GitHub repository (`owner/name`) whose workflow deploys this org: `provision bootstrap "
                    "ENV` lets its pull requests assume the environment's read-only plan role and its jobs in the "
                    "GitHub environment ENV assume the deploy role (GitHub's OIDC provider, audience "
                    "sts.amazonaws.com). Empty: no role trusts GitHub.",
    )
    promotion: list[str] = Field(
        default_factory=list,
        description="Environments a project's models move through, in order, for example `[dev, prod]`: "
                    "a workspace grants read access to its registry, key, artifacts and images only to the "
                    "account of the next environment, whose workspace of the same project may promote them. "
                    "AWS environments only (not `cloud: local`).",
    )
    promotion_approval: Literal["pending", "approved"] = Field(
        "pending",
        description="Approval status of a version `provision models promote` registers in the target "
                    "registry: `pending` (someone approves it there) or `approved` (the source approval counts; "
                    "refused when the path leads into an environment marked `production`, which is always pending).",
    )

    @field_validator("org")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        # AWS reserves these prefixes (resource groups: aws; S3 buckets: sthree-, amzn-s3-demo-, xn--).
        for prefix in ("aws", "sthree", "amzn-s3-demo", "xn--"):
            if value.startswith(prefix):
                raise ValueError(f"org name {value!r} starts with {prefix!r}, which AWS reserves; pick another prefix")
        return value

    @field_validator("environments")
    @classmethod
    def _env_names(cls, value: dict[str, Environment]) -> dict[str, Environment]:
        import re

        for name in value:
            if not re.match(r"^[a-z][a-z0-9]{0,9}$", name):
                raise ValueError(f"environment name {name!r} must be 1-10 lowercase letters/digits, starting with a letter")
        return value

    @model_validator(mode="after")
    def _outside_principals_need_an_external_id(self) -> "OrgConfig":
        # A principal of another account (a vendor's CI, a shared tooling account) must present the external id:
        # the confused-deputy guard (IAM User Guide, "The confused deputy problem").
        accounts = {env.account_id for env in self.environments.values()}
        for name, env in self.environments.items():
            outside = [p for p in env.deploy_role_trust if p.split(":")[4] not in accounts]
            if outside and not env.external_id:
                raise ValueError(
                    f"environments.{name}.deploy_role_trust: {', '.join(outside)} is outside the org's accounts "
                    f"({', '.join(sorted(accounts))}); set environments.{name}.external_id so that the trust "
                    "requires it")
        return self

    @model_validator(mode="after")
    def _promotion_path(self) -> "OrgConfig":
        unknown = [e for e in self.promotion if e not in self.environments]
        if unknown:
            raise ValueError(f"promotion names unknown environments {', '.join(map(repr, unknown))}; "
                             f"environments: {', '.join(self.environments)}")
        if len(set(self.promotion)) != len(self.promotion):
            raise ValueError("promotion must not name an environment twice")
        if len(self.promotion) == 1:
            raise ValueError("promotion needs at least two environments, for example [dev, prod]")
        local = [e for e in self.promotion if self.environments[e].is_local]
        if local:
            # Promotion shares a registry with the next environment's account: the emulator's cannot be shared.
            raise ValueError(f"promotion names local-cloud environments ({', '.join(map(repr, local))}): models on the "
                             "local cloud cannot be shared with another account; promote between AWS environments")
        production = [e for e in self.promotion[1:] if self.environments[e].production]
        if self.promotion_approval == "approved" and production:
            # A production environment approves what it serves itself: an approval in dev does not count there.
            raise ValueError(f"promotion_approval: approved would serve models in production environment(s) "
                             f"{', '.join(map(repr, production))} on an approval given before them; set "
                             "`promotion_approval: pending` (someone approves each version there)")
        return self

    def promotion_target(self, environment: str) -> str | None:
        """The environment a workspace in `environment` promotes its models to (next on the path), if any."""
        if environment not in self.promotion:
            return None
        index = self.promotion.index(environment)
        return self.promotion[index + 1] if index + 1 < len(self.promotion) else None

    def promotion_source(self, environment: str) -> str | None:
        """The environment models come from into `environment` (previous on the path), if any."""
        if environment not in self.promotion:
            return None
        index = self.promotion.index(environment)
        return self.promotion[index - 1] if index > 0 else None


class Org:
    """A loaded org config and the folder it lives in (the org root)."""

    def __init__(self, config: OrgConfig, path: Path) -> None:
        self.config = config
        self.path = path
        self.root = path.parent

    @property
    def name(self) -> str:
        return self.config.org

    @property
    def workspaces_dir(self) -> Path:
        return self.root / "workspaces"

    def blueprint_dirs(self) -> list[Path]:
        return [(self.root / p).resolve() for p in self.config.blueprint_paths]

    def environment(self, name: str) -> Environment:
        return self.config.environments[name]

    def unknown_environment(self, name: str, file: str | Path, field: str) -> Problem:
        """The one way every command says an environment name is not in provision.yaml (with the likely one)."""
        known = list(self.config.environments)
        guess = did_you_mean(name, known)
        return Problem(str(file), field, f"unknown environment {name!r}",
                       f"{guess + ' ' if guess else ''}environments in {self.path.name}: {', '.join(known)}")


def find_org_file(explicit: str | os.PathLike[str] | None = None, start: Path | None = None) -> Path:
    """`--org PATH`, then `PROVISION_ORG`, then `provision.yaml` here or in a parent folder."""
    chosen = explicit or os.environ.get("PROVISION_ORG")
    if chosen:
        path = Path(chosen)
        if path.is_dir():
            path = path / ORG_FILE
        if not path.is_file():
            raise InvalidInput.single(path, "", "org config not found", "check --org / PROVISION_ORG")
        return path.resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / ORG_FILE
        if candidate.is_file():
            return candidate
    raise InvalidInput.single(
        ORG_FILE, "", f"no {ORG_FILE} in {here} or its parents",
        "run from inside an org folder, or pass --org PATH (or set PROVISION_ORG)",
    )


def load_org(explicit: str | os.PathLike[str] | None = None, start: Path | None = None) -> Org:
    path = find_org_file(explicit, start)
    return Org(load_yaml_model(path, OrgConfig), path)
