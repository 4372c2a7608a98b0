"""Names of a workspace's serving, monitoring and experiments resources (pure Python, no cdktn).

The stack (infra/capabilities/serving.py, monitoring.py, experiments.py) and
the CLI side (status, the `latest-approved` resolver) name these resources
through here. Every name comes from `infra.naming.physical_name`; this module
only picks the component and the service limit. Changing a component renames
(replaces) a cloud resource: tests/infra_serving/test_names.py pins the output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from infra.resource_names import WorkspaceNames

if TYPE_CHECKING:
    from provisioner.models.resolved import WorkspaceContext

# S3 prefixes in the data bucket. SageMaker appends `<endpoint>/<variant>/yyyy/mm/dd/hh/` to the
# capture destination, so captured data is per endpoint below this prefix.
CAPTURE_PREFIX = "data-capture"
MONITORING_REPORTS_PREFIX = "monitoring/reports"
MONITORING_CODE_PREFIX = "monitoring/code"  # the evaluation script, one folder per version (its sha256)
GROUND_TRUTH_PREFIX = "ground-truth"  # labels the monitoring pipeline joins on inferenceId (docs/monitoring.md)
BASELINE_FILE = "baseline.json"  # under `monitoring.baseline_prefix`: what drift is measured against
MONITORING_STATE_FILE = "state.json"  # under the reports prefix: where the last scheduled run's window ended
# The monitoring pipeline's parameter that says what a run is: `scheduled` (the schedule's runs) or `preview`.
MONITORING_MODE_PARAMETER = "Mode"
# In the artifacts bucket.
MLFLOW_PREFIX = "mlflow"
# The provider appends 26 characters to an endpoint configuration's name_prefix (names max 63).
CONFIG_PREFIX_MAX = 63 - 26


@dataclass(frozen=True)
class ServingNames(WorkspaceNames):
    """The serving, monitoring and experiments names, on top of the foundation's (same fields, same namer)."""

    @classmethod
    def of(cls, ctx: "WorkspaceContext") -> "ServingNames":
        return cls(ctx.org, ctx.name, ctx.environment, ctx.account_id, ctx.region)

    # --- serving ------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        """The endpoint's name: fixed, clients invoke it by name."""
        return self._name("endpoint", "sagemaker")

    @property
    def endpoint_arn(self) -> str:
        return (f"arn:{self.partition}:sagemaker:{self.region}:{self.account_id}:"
                f"endpoint/{self.endpoint.lower()}")

    @property
    def endpoint_config_prefix(self) -> str:
        """`name_prefix` of the endpoint configuration (the provider adds a unique suffix per replacement)."""
        prefix = self._name("config", "sagemaker_short") + "-"
        assert len(prefix) <= CONFIG_PREFIX_MAX
        return prefix

    def model(self, variant: str, source_digest: str) -> str:
        """A variant's model; the digest of its source gives a new model a new name."""
        return self._name(f"{variant}-{source_digest}", "sagemaker")

    def scaling_policy(self, variant: str) -> str:
        return self._name(f"{variant}-scaling", "autoscaling_policy")

    @property
    def serving_access_policy(self) -> str:
        """Second access policy of the workspace's people and CI (endpoint, MLflow)."""
        return self._name("serving-access", "iam_policy")

    # --- monitoring -----------------------------------------------------------------
    @property
    def dashboard(self) -> str:
        return self._name("dashboard", "cloudwatch")

    def alarm(self, variant: str, kind: str) -> str:
        return self._name(f"{variant}-{kind}", "cloudwatch")

    def data_quality_definition(self, settings_digest: str) -> str:
        return self._name(f"data-quality-{settings_digest}", "sagemaker")

    @property
    def data_quality_schedule(self) -> str:
        return self._name("data-quality", "sagemaker")

    @property
    def monitoring_pipeline(self) -> str:
        """The pipeline engine's SageMaker Pipeline (`provision monitoring run` starts it by name)."""
        return self._name("monitoring", "sagemaker")

    @property
    def monitoring_pipeline_arn(self) -> str:
        return self.sagemaker_arn(f"pipeline/{self.monitoring_pipeline.lower()}")

    @property
    def monitoring_role(self) -> str:
        return self._name("monitoring", "iam_role")

    @property
    def monitoring_role_policy(self) -> str:
        return self._name("monitoring", "iam_policy")

    @property
    def monitoring_scheduler_role(self) -> str:
        return self._name("monitoring-scheduler", "iam_role")

    @property
    def monitoring_scheduler_policy(self) -> str:
        return self._name("monitoring-scheduler", "iam_policy")

    @property
    def monitoring_schedule(self) -> str:
        return self._name("monitoring", "scheduler_schedule")

    # --- experiments ----------------------------------------------------------------
    @property
    def mlflow_server(self) -> str:
        return self._name("mlflow", "mlflow_server")

    @property
    def mlflow_role(self) -> str:
        return self._name("mlflow", "iam_role")

    @property
    def mlflow_role_policy(self) -> str:
        return self._name("mlflow", "iam_policy")

    def all_names(self) -> dict[str, str]:
        """The fixed names above (for tests and the audit)."""
        return {attribute: getattr(self, attribute) for attribute in (
            "endpoint", "endpoint_config_prefix", "serving_access_policy", "dashboard", "data_quality_schedule", "mlflow_server",
            "mlflow_role", "mlflow_role_policy", "monitoring_pipeline", "monitoring_role", "monitoring_role_policy",
            "monitoring_scheduler_role", "monitoring_scheduler_policy", "monitoring_schedule",
        )}
