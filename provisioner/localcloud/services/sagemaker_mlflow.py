"""SageMaker managed MLflow: tracking servers, which moto 5.2.5 does not implement.

Adds (the AWS behaviour followed: the SageMaker API Reference,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_<Operation>.html):

- CreateMlflowTrackingServer / DescribeMlflowTrackingServer / UpdateMlflowTrackingServer /
  DeleteMlflowTrackingServer / ListMlflowTrackingServers: aws_sagemaker_mlflow_tracking_server (the
  experiments capability). A second server of the same name is ResourceInUse; a missing one is
  ResourceNotFound, for reads and for a second delete (the provider treats that as gone).

A server is `Created` at once and `Updated` after an update (AWS takes 25-35 minutes for either:
terraform-provider-aws#41436); fields the request leaves out get SageMaker's defaults (MLflow 2.16.2, size
Small, maintenance window Tue:03:30), so what the provider reads back matches what it sent.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.moto_api._internal import mock_random
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from provisioner.localcloud.services._moto import Extension, Operation, add_operations, graft, state
from provisioner.localcloud.services._sagemaker import Kind, Resource, listed, register_kind

OPERATIONS: tuple[Operation, ...] = (
    Operation("sagemaker", "CreateMlflowTrackingServer", "aws_sagemaker_mlflow_tracking_server create"),
    Operation("sagemaker", "DescribeMlflowTrackingServer", "aws_sagemaker_mlflow_tracking_server read and waiters"),
    Operation("sagemaker", "UpdateMlflowTrackingServer", "aws_sagemaker_mlflow_tracking_server update (size, window)"),
    Operation("sagemaker", "DeleteMlflowTrackingServer", "aws_sagemaker_mlflow_tracking_server destroy"),
    Operation("sagemaker", "ListMlflowTrackingServers", "completes the kind: lists the tracking servers"),
)

EXTENDED: tuple[Extension, ...] = ()


class FakeMlflowTrackingServer(Resource):
    kind = "mlflow-tracking-server"
    default_version = "2.16.2"  # SageMaker's managed MLflow default when the request names none
    default_window = "Tue:03:30"

    def __init__(self, backend: SageMakerModelBackend, params: dict[str, Any]) -> None:
        self.name = params["TrackingServerName"]
        super().__init__(backend, self.name, params.get("Tags"))
        self.artifact_store_uri = params["ArtifactStoreUri"]
        self.size = params.get("TrackingServerSize") or "Small"
        self.mlflow_version = params.get("MlflowVersion") or self.default_version
        self.role_arn = params["RoleArn"]
        self.automatic_model_registration = bool(params.get("AutomaticModelRegistration", False))
        self.window = params.get("WeeklyMaintenanceWindowStart") or self.default_window
        self.bucket_owner = params.get("S3BucketOwnerAccountId")
        self.bucket_owner_verification = params.get("S3BucketOwnerVerification")
        server_id = mock_random.get_random_string(12, lower_case=True)
        self.url = f"https://t-{server_id}.{backend.region_name}.experiments.sagemaker.aws"
        self.status = "Created"

    def update(self, params: dict[str, Any]) -> None:
        for field, attr in (
            ("ArtifactStoreUri", "artifact_store_uri"),
            ("TrackingServerSize", "size"),
            ("AutomaticModelRegistration", "automatic_model_registration"),
            ("WeeklyMaintenanceWindowStart", "window"),
            ("S3BucketOwnerAccountId", "bucket_owner"),
            ("S3BucketOwnerVerification", "bucket_owner_verification"),
        ):
            if params.get(field) is not None:
                setattr(self, attr, params[field])
        self.status = "Updated"
        self.touch()

    def describe(self) -> dict[str, Any]:
        return {
            "TrackingServerArn": self.arn,
            "TrackingServerName": self.name,
            "ArtifactStoreUri": self.artifact_store_uri,
            "TrackingServerSize": self.size,
            "MlflowVersion": self.mlflow_version,
            "RoleArn": self.role_arn,
            "TrackingServerStatus": self.status,
            "TrackingServerMaintenanceStatus": "MaintenanceComplete",
            "IsActive": "Active",
            "TrackingServerUrl": self.url,
            "WeeklyMaintenanceWindowStart": self.window,
            "AutomaticModelRegistration": self.automatic_model_registration,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "S3BucketOwnerAccountId": self.bucket_owner,
            "S3BucketOwnerVerification": self.bucket_owner_verification,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "TrackingServerArn": self.arn,
            "TrackingServerName": self.name,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "TrackingServerStatus": self.status,
            "IsActive": "Active",
            "MlflowVersion": self.mlflow_version,
        }


class MlflowBackend:
    """Grafted onto moto's SageMakerModelBackend: the tracking servers of each account and region."""

    ext_mlflow_tracking_servers: dict[str, FakeMlflowTrackingServer] = state(dict)  # name -> server

    def create_mlflow_tracking_server(self: Any, params: dict[str, Any]) -> FakeMlflowTrackingServer:
        name = params["TrackingServerName"]
        if name in self.ext_mlflow_tracking_servers:
            raise ResourceInUseException(f"Resource Already Exists: TrackingServer with name {name} already exists.")
        server = self.ext_mlflow_tracking_servers[name] = FakeMlflowTrackingServer(self, params)
        return server

    def describe_mlflow_tracking_server(self: Any, name: str) -> FakeMlflowTrackingServer:
        server = self.ext_mlflow_tracking_servers.get(name)
        if server is None:
            raise ResourceNotFound(f"Tracking server {name} does not exist.")
        return server

    def update_mlflow_tracking_server(self: Any, params: dict[str, Any]) -> FakeMlflowTrackingServer:
        server = self.describe_mlflow_tracking_server(params["TrackingServerName"])
        server.update(params)
        return server

    def delete_mlflow_tracking_server(self: Any, name: str) -> FakeMlflowTrackingServer:
        server = self.describe_mlflow_tracking_server(name)
        del self.ext_mlflow_tracking_servers[name]
        return server

    def list_mlflow_tracking_servers(self: Any, status: str | None, version: str | None
                                     ) -> list[FakeMlflowTrackingServer]:
        return [s for s in self.ext_mlflow_tracking_servers.values()
                if (not status or s.status == status) and (not version or s.mlflow_version == version)]


class MlflowResponse:
    """Grafted onto moto's SageMakerResponse: one handler per operation."""

    def create_mlflow_tracking_server(self: Any) -> ActionResult:
        server = self.sagemaker_backend.create_mlflow_tracking_server(self._get_params())
        return ActionResult({"TrackingServerArn": server.arn})

    def describe_mlflow_tracking_server(self: Any) -> ActionResult:
        server = self.sagemaker_backend.describe_mlflow_tracking_server(self._get_param("TrackingServerName"))
        return ActionResult(server.describe())

    def update_mlflow_tracking_server(self: Any) -> ActionResult:
        server = self.sagemaker_backend.update_mlflow_tracking_server(self._get_params())
        return ActionResult({"TrackingServerArn": server.arn})

    def delete_mlflow_tracking_server(self: Any) -> ActionResult:
        server = self.sagemaker_backend.delete_mlflow_tracking_server(self._get_param("TrackingServerName"))
        return ActionResult({"TrackingServerArn": server.arn})

    def list_mlflow_tracking_servers(self: Any) -> ActionResult:
        found = self.sagemaker_backend.list_mlflow_tracking_servers(
            self._get_param("TrackingServerStatus"), self._get_param("MlflowVersion"))
        chunk, token = listed(self, found)
        return ActionResult({"TrackingServerSummaries": [s.summary() for s in chunk], "NextToken": token})


register_kind(Kind(FakeMlflowTrackingServer.kind,
                   lambda backend, resource_id: backend.ext_mlflow_tracking_servers.get(resource_id),
                   lambda backend: backend.ext_mlflow_tracking_servers.values()))


def install() -> list[str]:
    graft(SageMakerModelBackend, MlflowBackend)
    return add_operations(SageMakerResponse, MlflowResponse, OPERATIONS)
