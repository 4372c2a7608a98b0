"""TrackingServer: a SageMaker managed MLflow tracking server with its own least-privilege role."""

from __future__ import annotations

from typing import Any

from cdktn_provider_aws.sagemaker_mlflow_tracking_server import SagemakerMlflowTrackingServer

from infra.constructs._base import L2, Grantee, statement
from infra.constructs.execution_role import ExecutionRole
from infra.constructs.secure_bucket import READ_OBJECT, WRITE_OBJECT, SecureBucket
from infra.stack_build import add_resource, ref

SIZES = ("Small", "Medium", "Large")
# IAM actions of the MLflow REST API served by the tracking server.
MLFLOW_API = "sagemaker-mlflow:*"
# Opening the MLflow UI: authorized on "*" only (no resource type).
MLFLOW_UI = "sagemaker-mlflow:AccessUI"


class TrackingServer(L2):
    """A managed MLflow tracking server storing its artifacts under `artifact_prefix/` of a workspace bucket.

    The server runs under its own role, which SageMaker assumes: it may read
    and write only `artifact_prefix/` of the bucket (and use the bucket's key),
    nothing else; it does not register models in the SageMaker registry
    (automatic registration would create model package groups outside the
    workspace's own). Nobody can call the server without an IAM grant
    (`grant_use`): the MLflow API is authorized by IAM (`sagemaker-mlflow:*`)
    on the server's ARN (the UI, `AccessUI`, on "*": it has no resource type), and SageMaker has no resource policy for tracking
    servers, so "only the workspace's roles" means: only they get the grant.

    Props:
      name: the tracking server's physical name.
      role_name, role_policy_name: physical names of its role and inline policy.
      account_id, partition: where it lives.
      bucket: the SecureBucket for artifacts.
      artifact_prefix: folder in the bucket; default `mlflow`.
      size: `Small`, `Medium` or `Large`; default Small.
      maintenance_window: weekly start, `Day:HH:MM` in UTC; default `Sun:03:00`.
    """

    def __init__(self, scope: Any, id: str, *, name: str, role_name: str, role_policy_name: str,
                 account_id: str, partition: str = "aws", bucket: SecureBucket, artifact_prefix: str = "mlflow",
                 size: str = "Small", maintenance_window: str = "Sun:03:00") -> None:
        super().__init__(scope, id)
        if size not in SIZES:
            raise ValueError(f"tracking server size must be one of {SIZES}, got {size!r}")
        self.name = name
        self.role = ExecutionRole(
            self.stack, f"{id}_role", name=role_name, policy_name=role_policy_name, account_id=account_id,
            partition=partition, description=f"Role of the MLflow tracking server {name}",
        )
        prefix = artifact_prefix.strip("/")
        self.artifact_uri = f"s3://{bucket.name}/{prefix}"
        self.role.add_to_policy(
            statement("ListMlflowArtifacts", "s3:ListBucket", bucket.arn,
                      conditions={"StringLike": {"s3:prefix": [prefix, f"{prefix}/*"]}}),
            # A request for the bucket's location carries no s3:prefix: under the condition above it
            # would never be allowed (tests/infra/test_iam_grammar.py).
            statement("LocateMlflowArtifactsBucket", "s3:GetBucketLocation", bucket.arn),
            statement("ReadWriteMlflowArtifacts", READ_OBJECT + WRITE_OBJECT, f"{bucket.arn}/{prefix}/*"),
        )
        if bucket.key is not None:
            bucket.key.grant_encrypt_decrypt(self.role)
        self.resource = add_resource(
            self.stack, SagemakerMlflowTrackingServer, id,
            tracking_server_name=name,
            artifact_store_uri=self.artifact_uri,
            role_arn=self.role.arn,
            tracking_server_size=size,
            automatic_model_registration=False,
            weekly_maintenance_window_start=maintenance_window,
            depends_on=[self.role.resource],
        )
        self.arn: str = ref(self.resource, "arn")
        self.url: str = ref(self.resource, "tracking_server_url")

    def grant_use(self, grantee: Grantee) -> None:
        """Call the MLflow API of this server and open its UI (a presigned URL), nothing more.

        `sagemaker-mlflow:AccessUI` supports no resource-level permissions (AWS's Service Authorization
        Reference lists no resource type for it), so the grant on the server's ARN never covers it: it
        gets its own statement on "*". The UI still opens only through a presigned URL, and creating
        one is granted for this server only.
        """
        grantee.add_to_policy(
            statement(
                "UseMlflowTrackingServer",
                (MLFLOW_API, "sagemaker:CreatePresignedMlflowTrackingServerUrl",
                 "sagemaker:DescribeMlflowTrackingServer"),
                self.arn,
            ),
            statement("OpenMlflowUi", MLFLOW_UI, "*"),
        )
