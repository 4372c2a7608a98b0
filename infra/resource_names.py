"""Every physical name and computable ARN of a workspace, in one place.

Pure Python (no cdktn): the stack, `sdk_defaults` and the CLI side (lifecycle,
audit, status) all read names from here, so what the SDK config points at is
what the stack creates. Each name comes from `infra.naming.physical_name`;
this module only picks the component and the service limit.

Changing a component changes a physical name and so replaces a cloud
resource: the snapshot tests in tests/infra/snapshots guard these.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from infra.naming import Namer

if TYPE_CHECKING:
    from provisioner.models.resolved import Peer, WorkspaceContext

SDK_PREFIX = "sagemaker"  # the SageMaker SDK's default key prefix in the artifacts bucket (sagemaker-defaults.yaml)


def partition_for(region: str) -> str:
    """The ARN partition of a region (`aws`, `aws-cn`, `aws-us-gov`)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@dataclass(frozen=True)
class WorkspaceNames:
    """Names of one workspace's resources in one environment."""

    org: str
    workspace: str
    environment: str
    account_id: str
    region: str
    # Existing resources the workspace adopted (component -> physical name; infra/adoption.py): they keep
    # their names, since a new name would replace them.
    adopted: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, ctx: "WorkspaceContext") -> "WorkspaceNames":
        return cls(ctx.org, ctx.name, ctx.environment, ctx.account_id, ctx.region, tuple(ctx.adopted))

    def _adopted(self, component: str) -> str | None:
        return dict(self.adopted).get(component)

    @classmethod
    def of_peer(cls, org: str, peer: "Peer") -> "WorkspaceNames":
        """Names of another workspace of the same project (see `WorkspaceContext.promotes_to`)."""
        return cls(org, peer.workspace, peer.environment, peer.account_id, peer.region)

    @cached_property
    def _name(self) -> Namer:
        return Namer(self.org, self.workspace, self.environment)

    @property
    def partition(self) -> str:
        return partition_for(self.region)

    # --- S3 -----------------------------------------------------------------
    # Bucket names are global across all AWS accounts. The account id in the
    # component keeps them unique and stops anyone else from claiming a
    # predictable name first ("bucket squatting").
    def bucket(self, kind: str) -> str:
        return self._name(f"{kind}-{self.account_id}", "s3_bucket")

    @property
    def data_bucket(self) -> str:
        return self._adopted("data-bucket") or self.bucket("data")

    @property
    def artifacts_bucket(self) -> str:
        return self._adopted("artifacts-bucket") or self.bucket("artifacts")

    @property
    def access_logs_bucket(self) -> str:
        return self.bucket("access-logs")

    # --- KMS, IAM -----------------------------------------------------------
    @property
    def key_alias(self) -> str:
        return "alias/" + self._name("key", "kms_alias")

    @property
    def execution_role(self) -> str:
        return self._name("execution", "iam_role")

    @property
    def execution_policy(self) -> str:
        """Name of the execution role's inline policy."""
        return self._name("execution", "iam_policy")

    @property
    def access_policy(self) -> str:
        return self._name("access", "iam_policy")

    def access_policy_part(self, index: int) -> str:
        """The access policy spills into further policies when IAM's size limit is reached."""
        return self.access_policy if index == 1 else self._name(f"access-{index}", "iam_policy")

    # --- the rest -------------------------------------------------------------
    @property
    def log_group(self) -> str:
        return self._name("logs", "log_group")

    @property
    def alert_topic(self) -> str:
        return self._name("alerts", "sns_topic")

    @property
    def image_repository(self) -> str:
        return self._adopted("image-repository") or self._name("images", "ecr_repository")

    @property
    def budget(self) -> str:
        return self._name("budget", "budget")

    @property
    def resource_group(self) -> str:
        return self._name("resources", "resource_group")

    @property
    def model_package_group(self) -> str:
        return self._adopted("registry") or self._name("models", "sagemaker")

    @property
    def training_job_prefix(self) -> str:
        """Every training job of the workspace is named `<prefix>-<anything>` (IAM enforces it)."""
        return self._name("train", "sagemaker_short")

    @property
    def model_artifacts_prefix(self) -> str:
        """Key prefix of trained models in the artifacts bucket (`provision train` writes its jobs' output here)."""
        return f"{SDK_PREFIX}/{self.training_job_prefix}"

    def event_rule(self, component: str) -> str:
        return self._name(component, "event_rule")

    @property
    def training_failed_rule(self) -> str:
        return self.event_rule("training-failed")

    @property
    def model_approval_rule(self) -> str:
        return self.event_rule("model-approval")

    def all_names(self) -> dict[str, str]:
        """Every physical name above, by attribute (for tests and the audit)."""
        names = {}
        for attribute in (
            "data_bucket", "artifacts_bucket", "access_logs_bucket", "key_alias", "execution_role",
            "execution_policy", "access_policy", "log_group", "alert_topic", "image_repository", "budget",
            "resource_group", "model_package_group", "training_job_prefix", "training_failed_rule",
            "model_approval_rule",
        ):
            names[attribute] = getattr(self, attribute)
        return names

    # --- ARNs computable without deploying --------------------------------------
    def bucket_arn(self, bucket: str) -> str:
        return f"arn:{self.partition}:s3:::{bucket}"

    @property
    def execution_role_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:role/{self.execution_role}"

    @property
    def access_policy_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:policy/{self.access_policy}"

    @property
    def account_root_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:root"

    @property
    def keys_arn(self) -> str:
        """Every key of the account: identity policies name another account's key by alias condition."""
        return f"arn:{self.partition}:kms:{self.region}:{self.account_id}:key/*"

    @property
    def key_alias_arn(self) -> str:
        return f"arn:{self.partition}:kms:{self.region}:{self.account_id}:{self.key_alias}"

    @property
    def alert_topic_arn(self) -> str:
        return f"arn:{self.partition}:sns:{self.region}:{self.account_id}:{self.alert_topic}"

    @property
    def log_group_arn(self) -> str:
        return f"arn:{self.partition}:logs:{self.region}:{self.account_id}:log-group:{self.log_group}"

    @property
    def image_repository_arn(self) -> str:
        return f"arn:{self.partition}:ecr:{self.region}:{self.account_id}:repository/{self.image_repository}"

    def sagemaker_arn(self, resource: str) -> str:
        """`resource` like `training-job/NAME`; SageMaker ARNs carry names in lower case."""
        return f"arn:{self.partition}:sagemaker:{self.region}:{self.account_id}:{resource.lower()}"

    @property
    def model_package_group_arn(self) -> str:
        return self.sagemaker_arn(f"model-package-group/{self.model_package_group}")

    @property
    def training_jobs_arn(self) -> str:
        """ARN pattern matching this workspace's training jobs (and only them)."""
        return self.sagemaker_arn(f"training-job/{self.training_job_prefix}-*")

    @property
    def training_log_streams_arn(self) -> str:
        """SageMaker writes training logs to a fixed log group, one stream per job and host."""
        return (f"arn:{self.partition}:logs:{self.region}:{self.account_id}:log-group:/aws/sagemaker/TrainingJobs"
                f":log-stream:{self.training_job_prefix}-*")

    @property
    def training_log_group_arn(self) -> str:
        return f"arn:{self.partition}:logs:{self.region}:{self.account_id}:log-group:/aws/sagemaker/TrainingJobs"
