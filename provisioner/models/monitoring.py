"""What the monitoring capability decides from a spec and the org config (plain data, cheap to import).

Part of the resolved workspace (`WorkspaceContext.monitoring_settings` and
`monitoring_script`): the validate checks (provisioner/specs/checks/monitoring.py),
the CDK layer (infra/capabilities/monitoring.py) and the CLI read the same
decisions, so that they agree. The evaluation script itself lives in
provisioner/monitoring/ and is read on the tool's side, never by the CDK layer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from provisioner.models.org import OrgMonitoring

LOWER_IS_BETTER = ("mae", "rmse")  # error metrics: their threshold is the highest acceptable value
DEFAULT_MAX_DRIFT_PSI = 0.2  # PSI above 0.2 is the usual "significant shift"
DEFAULT_PROBLEM_TYPE = "binary"

# Accounts of the SageMaker scikit-learn image (`sagemaker-scikit-learn`) per region, as published in
# aws/sagemaker-python-sdk (image_uri_config/sklearn.json, the same for every version). The monitoring
# pipeline runs provision's evaluation script on it; an org may override or add regions in
# `monitoring.processing_images`.
SKLEARN_IMAGE_TAG = "1.2-1-cpu-py3"
SKLEARN_ACCOUNTS = {
    "af-south-1": "510948584623", "ap-east-1": "651117190479", "ap-northeast-1": "354813040037",
    "ap-northeast-2": "366743142698", "ap-northeast-3": "867004704886", "ap-south-1": "720646828776",
    "ap-south-2": "628508329040", "ap-southeast-1": "121021644041", "ap-southeast-2": "783357654285",
    "ap-southeast-3": "951798379941", "ap-southeast-4": "106583098589", "ca-central-1": "341280168497",
    "ca-west-1": "190319476487", "cn-north-1": "450853457545", "cn-northwest-1": "451049120500",
    "eu-central-1": "492215442770", "eu-central-2": "680994064768", "eu-north-1": "662702820516",
    "eu-south-1": "978288397137", "eu-south-2": "104374241257", "eu-west-1": "141502667606",
    "eu-west-2": "764974769150", "eu-west-3": "659782779980", "il-central-1": "898809789911",
    "me-central-1": "272398656194", "me-south-1": "801668240914", "sa-east-1": "737474898029",
    "us-east-1": "683313688378", "us-east-2": "257758044811", "us-gov-east-1": "237065988967",
    "us-gov-west-1": "414596584902", "us-west-1": "746614075791", "us-west-2": "246618743249",
}


def engine_of(params: dict[str, Any], model_monitor: bool) -> str:
    """The monitoring engine of a workspace.

    `monitoring.engine` when the blueprint declares it. Blueprints from before it
    existed (realtime-endpoint and full-mlops 1.0.0) were built on Model Monitor:
    they stay on it in an org that says it has Model Monitor, and use the pipeline
    everywhere else (where a Model Monitor schedule could not be created anyway).
    """
    chosen = params.get("monitoring.engine")
    if chosen:
        return str(chosen)
    return "model-monitor" if model_monitor else "pipeline"


def processing_image(region: str, overrides: dict[str, str] | None = None) -> str | None:
    """The scikit-learn processing image URI of a region: the org's override, else the table; None if unknown."""
    if overrides and region in overrides:
        return overrides[region]
    account = SKLEARN_ACCOUNTS.get(region)
    if account is None:
        return None
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"{account}.dkr.ecr.{region}.{suffix}/sagemaker-scikit-learn:{SKLEARN_IMAGE_TAG}"


def quality_metric(params: dict[str, Any]) -> str:
    """The quality metric a workspace is judged by: `monitoring.min_quality`'s, else F1 (classification) or RMSE."""
    wanted = params.get("monitoring.min_quality")
    if isinstance(wanted, dict) and wanted.get("metric"):
        return str(wanted["metric"])
    return "rmse" if params.get("monitoring.problem_type", DEFAULT_PROBLEM_TYPE) == "regression" else "f1"


def quality_direction(metric: str) -> str:
    """`below` when a lower value is worse (accuracy, F1, ...), `above` for error metrics (MAE, RMSE)."""
    return "above" if metric in LOWER_IS_BETTER else "below"


@dataclass(frozen=True)
class MonitoringScript:
    """provision's evaluation script as the monitoring pipeline runs it, and the CloudWatch metrics it publishes."""

    file_name: str
    text: str
    namespace: str  # CloudWatch namespace of its metrics
    metric_names: dict[str, str]  # quality metric (`f1`) -> CloudWatch metric name (`F1`)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class MonitoringSettings:
    """The monitoring capability's choices for one workspace, from its parameters, the org and the region."""

    engine: str  # `pipeline` or `model-monitor` (engine_of)
    processing_image: str | None  # the pipeline's processing image; None where none is known
    max_drift_psi: float
    problem_type: str
    quality_metric: str  # the metric the dashboard shows (quality_metric)
    min_quality: tuple[str, float] | None  # (metric, threshold) of the quality alarm; None: no such alarm

    @property
    def quality_direction(self) -> str:
        """`below` or `above`: which side of `min_quality`'s threshold raises the alarm."""
        return quality_direction(self.min_quality[0]) if self.min_quality else "below"


def settings_of(params: dict[str, Any], org: OrgMonitoring, region: str) -> MonitoringSettings:
    wanted = params.get("monitoring.min_quality")
    return MonitoringSettings(
        engine=engine_of(params, org.model_monitor),
        processing_image=processing_image(region, org.processing_images),
        max_drift_psi=float(params.get("monitoring.max_drift_psi", DEFAULT_MAX_DRIFT_PSI)),
        problem_type=str(params.get("monitoring.problem_type", DEFAULT_PROBLEM_TYPE)),
        quality_metric=quality_metric(params),
        min_quality=(str(wanted["metric"]), float(wanted["threshold"])) if wanted else None,
    )
