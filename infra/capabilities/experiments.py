"""experiments: a SageMaker managed MLflow tracking server for the workspace.

The server (`experiments.mlflow_size`: Small, Medium or Large) keeps its
artifacts under `mlflow/` in the workspace's artifacts bucket (KMS-encrypted)
and runs under a role of its own that may touch nothing else. Only the
workspace's identities get an IAM grant to call it: the execution role (jobs
log runs) and the workspace's second access policy (people and CI; see
_serving_access.py for why it is a second one). See
infra/constructs/tracking_server.py.
"""

from __future__ import annotations

from infra.capabilities._base import WorkspaceParts, capability
from infra.capabilities._serving_access import serving_access
from infra.constructs.tracking_server import TrackingServer
from infra.serving_names import MLFLOW_PREFIX, ServingNames

DEFAULT_SIZE = "Small"


@capability("experiments")
def build(parts: WorkspaceParts) -> None:
    ctx, names = parts.ctx, ServingNames.of(parts.ctx)
    server = TrackingServer(
        parts.scope, "mlflow",
        name=names.mlflow_server,
        role_name=names.mlflow_role,
        role_policy_name=names.mlflow_role_policy,
        account_id=ctx.account_id,
        partition=names.partition,
        bucket=parts.artifacts,
        artifact_prefix=MLFLOW_PREFIX,
        size=str(ctx.param("experiments.mlflow_size", DEFAULT_SIZE)),
    )
    server.grant_use(parts.role)
    server.grant_use(serving_access(parts))
    parts.extras["tracking_server"] = server
    parts.output("mlflow_tracking_server_arn", server.arn,
                 "MLflow tracking URI for the sagemaker-mlflow plugin (mlflow.set_tracking_uri(<arn>))")
    parts.output("mlflow_tracking_server_url", server.url, "MLflow UI (open with a presigned URL)")
    parts.note(f"experiments: log runs with mlflow.set_tracking_uri(<mlflow_tracking_server_arn>) "
               f"(pip install sagemaker-mlflow); open the UI with `aws sagemaker "
               f"create-presigned-mlflow-tracking-server-url --tracking-server-name {names.mlflow_server}`")
