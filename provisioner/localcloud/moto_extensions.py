"""AWS calls that moto lacks but the AWS provider makes for resources provision creates, added to moto in-process.

`install()` is called by the local cloud's server process before it serves. It adds backend state and
methods to moto's own backend classes and handler methods to moto's own response classes, so the moto
server dispatches the new operations like its native ones: state lives on the backend of each account and
region (and goes away with moto's reset), responses are serialized by moto from the botocore service model,
and errors carry the codes the AWS provider tests for (`ResourceNotFound`, `NotFoundException`, ...).

Every operation added is listed in `OPERATIONS` with the reason the provider needs it; docs/local-cloud-extensions.md
shows the same table (tests/localcloud/test_moto_extensions.py keeps the two and `install()` in sync).
An operation moto implements itself (a newer moto) is left alone and not reported as added.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any

# (service, operation, the provider resource and call path that needs it)
OPERATIONS: tuple[tuple[str, str, str], ...] = (
    ("sagemaker", "CreateUserProfile", "aws_sagemaker_user_profile create"),
    ("sagemaker", "DescribeUserProfile", "aws_sagemaker_user_profile read and the create/update/delete waiters"),
    ("sagemaker", "UpdateUserProfile", "aws_sagemaker_user_profile update of user_settings"),
    ("sagemaker", "DeleteUserProfile", "aws_sagemaker_user_profile destroy"),
    ("sagemaker", "ListUserProfiles", "completes the kind: lists a domain's Studio members (CLI, console, audits)"),
    ("sagemaker", "CreateSpace", "aws_sagemaker_space create"),
    ("sagemaker", "DescribeSpace", "aws_sagemaker_space read and waiters"),
    ("sagemaker", "UpdateSpace", "aws_sagemaker_space update of space_settings / space_display_name"),
    ("sagemaker", "DeleteSpace", "aws_sagemaker_space destroy"),
    ("sagemaker", "ListSpaces", "completes the kind: lists a domain's Studio spaces"),
    ("sagemaker", "CreatePresignedDomainUrl", "`provision open`: a member's Studio sign-in URL (profile or space must exist)"),
    ("sagemaker", "CreateMlflowTrackingServer", "aws_sagemaker_mlflow_tracking_server create"),
    ("sagemaker", "DescribeMlflowTrackingServer", "aws_sagemaker_mlflow_tracking_server read and waiters"),
    ("sagemaker", "UpdateMlflowTrackingServer", "aws_sagemaker_mlflow_tracking_server update (size, window)"),
    ("sagemaker", "DeleteMlflowTrackingServer", "aws_sagemaker_mlflow_tracking_server destroy"),
    ("sagemaker", "ListMlflowTrackingServers", "completes the kind: lists the tracking servers"),
    ("sagemaker", "CreateMonitoringSchedule", "aws_sagemaker_monitoring_schedule create"),
    ("sagemaker", "DescribeMonitoringSchedule", "aws_sagemaker_monitoring_schedule read and waiters"),
    ("sagemaker", "UpdateMonitoringSchedule", "aws_sagemaker_monitoring_schedule update of monitoring_schedule_config"),
    ("sagemaker", "DeleteMonitoringSchedule", "aws_sagemaker_monitoring_schedule destroy"),
    ("sagemaker", "ListMonitoringSchedules", "completes the kind: lists schedules, by endpoint or job definition"),
    ("sagemaker", "DeleteModelPackageGroup", "aws_sagemaker_model_package_group destroy"),
    ("sagemaker", "DeleteModelPackage", "`destroy --include-protected` empties a registry before its group goes"),
    ("sagemaker", "UpdateEndpoint", "aws_sagemaker_endpoint update when a new endpoint configuration replaces the old"),
    ("budgets", "DescribeSubscribersForNotification", "aws_budgets_budget read of each notification's subscribers"),
    ("budgets", "UpdateBudget", "aws_budgets_budget update (limit, filters)"),
    ("budgets", "ListTagsForResource", "aws_budgets_budget read of tags"),
    ("budgets", "TagResource", "aws_budgets_budget update of tags"),
    ("budgets", "UntagResource", "aws_budgets_budget update of tags"),
    ("application-autoscaling", "ListTagsForResource", "aws_appautoscaling_target read of tags"),
    ("application-autoscaling", "TagResource", "aws_appautoscaling_target update of tags"),
    ("application-autoscaling", "UntagResource", "aws_appautoscaling_target update of tags"),
    ("logs", "AssociateKmsKey", "aws_cloudwatch_log_group update of kms_key_id"),
    ("logs", "DisassociateKmsKey", "aws_cloudwatch_log_group update removing kms_key_id"),
    ("logs", "PutLogGroupDeletionProtection", "aws_cloudwatch_log_group update of deletion_protection_enabled"),
)

# Native moto operations whose behaviour is extended (not listed as added: moto already dispatches them).
EXTENDED: tuple[tuple[str, str, str], ...] = (
    ("sagemaker", "ListTags / AddTags / DeleteTags", "also find user profiles, spaces, tracking servers, schedules"),
    ("sagemaker", "AddTags", "overwrites a key already there, as AWS does (moto appended a duplicate key)"),
    ("sagemaker", "CreateModel", "keeps EnableNetworkIsolation (moto answered False: a replacement on every plan)"),
    ("sagemaker", "CreateModel / DescribeModel", "no VpcConfig when none was given (moto answered {}: a replacement)"),
    ("sagemaker", "CreateEndpoint / UpdateEndpoint / DescribeEndpoint",
     "keep DeploymentConfig, answered as LastDeploymentConfig (else the provider replaces the endpoint)"),
    ("sagemaker", "DescribePipeline / DeletePipeline / StartPipelineExecution / ...",
     "a missing pipeline is ResourceNotFound, as AWS answers (moto: ValidationException; a retried delete failed)"),
    ("resourcegroupstaggingapi", "GetResources", "also returns the four SageMaker resource kinds added here"),
    ("resourcegroupstaggingapi", "GetResources", "endpoint configuration ARNs as strings (moto: a tuple's repr)"),
    ("budgets", "CreateBudget / DeleteBudget", "store / drop ResourceTags"),
    ("budgets", "DescribeNotificationsForBudget", "a missing budget is NotFoundException (moto answered HTTP 500)"),
    ("application-autoscaling", "RegisterScalableTarget / DeregisterScalableTarget", "store / drop Tags"),
    ("application-autoscaling", "DeregisterScalableTarget / DeleteScalingPolicy",
     "a missing target or policy is ObjectNotFoundException, as AWS answers (moto: ValidationException)"),
    ("logs", "CreateLogGroup / DescribeLogGroups / DeleteLogGroup", "deletion protection stored, shown, enforced"),
    ("kms", "EnableKeyRotation / GetKeyRotationStatus", "keep and answer RotationPeriodInDays (else a perpetual diff)"),
    ("s3", "PutBucketLogging", "checks only what AWS checks (moto demanded grants; HTTP 500 on Principal *)"),
    ("s3", "CreateBucket", "stores the tags of CreateBucketConfiguration (moto dropped them: tags re-added on every plan)"),
    ("cloudwatch", "every operation, over Smithy RPC v2 CBOR",
     "the provider's SDK speaks only CBOR to CloudWatch (alarms, dashboards): bridged to moto's JSON protocol"),
    ("s3", "PutObject / GetObject / ... (bucket policy)",
     "a statement conditioned on a key moto does not supply does not apply (moto denied: TLS-only policies blocked all)"),
)

_lock = threading.Lock()
_installed: list[str] | None = None


def install() -> list[str]:
    """Add every extension to the moto backends of this process; returns the operations added.

    Idempotent: a second call adds nothing more and returns the same list.
    """
    global _installed
    with _lock:
        if _installed is None:
            added: list[str] = []
            for install_service in (
                _install_sagemaker, _install_budgets, _install_autoscaling, _install_logs, _install_kms, _install_s3,
                _install_cloudwatch_cbor,
            ):
                added += install_service()
            _installed = added
        return list(_installed)


# --- shared helpers -------------------------------------------------------------------------------------------


def _snake(operation: str) -> str:
    from moto.core.utils import camelcase_to_underscores

    return camelcase_to_underscores(operation)


def _add_operations(service: str, response_cls: type, handlers: dict[str, Callable[..., Any]]) -> list[str]:
    """Attach each handler under the method name moto dispatches the operation to, unless moto has one."""
    added = []
    for operation, handler in handlers.items():
        name = _snake(operation)
        if hasattr(response_cls, name):
            continue
        handler.__name__ = name
        setattr(response_cls, name, handler)
        added.append(f"{service}:{operation}")
    return added


@functools.cache
def _error_class() -> type:
    from moto.core.exceptions import ServiceException

    class ExtensionError(ServiceException):
        """Defined outside moto's packages on purpose: moto then looks the code up in the calling service's
        botocore model instead of a service guessed from the exception's module."""

    return ExtensionError


def _error(code: str, message: str) -> Exception:
    """An AWS error that moto serializes with CODE and MESSAGE."""
    return _error_class()(code, message)


def _store(backend: Any, name: str, factory: Callable[[], Any] = dict) -> Any:
    """Extension state on a moto backend instance, created on first use (moto's reset clears it with the rest)."""
    state = backend.__dict__.get(name)
    if state is None:
        state = backend.__dict__.setdefault(name, factory())
    return state


def _page(items: list[Any], next_token: str | None, max_results: int | None) -> tuple[list[Any], str | None]:
    """NextToken pagination over a stable list: the token is the index of the next item."""
    start = int(next_token) if next_token and next_token.isdigit() else 0
    size = max_results or 100
    page = items[start : start + size]
    return page, (str(start + size) if start + size < len(items) else None)


def _sorted(
    items: list[Any], sort_by: str | None, sort_order: str | None, keys: dict[str, Callable[[Any], Any]]
) -> list[Any]:
    key = keys.get(sort_by or "CreationTime", keys["CreationTime"])
    return sorted(items, key=key, reverse=(sort_order or "Descending") == "Descending")


# --- SageMaker ------------------------------------------------------------------------------------------------


def _install_sagemaker() -> list[str]:
    from moto.core.responses import ActionResult, EmptyResult
    from moto.core.utils import utcnow
    from moto.moto_api._internal import mock_random
    from moto.core.resource_tagging import TaggedResource
    from moto.sagemaker.exceptions import (
        ConflictException,
        ResourceInUseException,
        ResourceNotFound,
        ValidationError,
    )
    from moto.sagemaker.models import FakeEndpoint, SageMakerModelBackend
    from moto.sagemaker.responses import SageMakerResponse
    from moto.sagemaker.utils import arn_formatter

    class _Resource:
        """Common fields of the SageMaker resources added here; `tags` is a Key/Value list like moto's own."""

        kind = ""

        def __init__(self, backend: SageMakerModelBackend, arn_id: str, tags: list[dict[str, str]] | None) -> None:
            self.arn = arn_formatter(self.kind, arn_id, backend.account_id, backend.region_name)
            self.tags = list(tags or [])
            self.creation_time = self.last_modified_time = utcnow()

        def touch(self) -> None:
            self.last_modified_time = utcnow()

    class FakeUserProfile(_Resource):
        kind = "user-profile"

        def __init__(self, backend: SageMakerModelBackend, params: dict[str, Any]) -> None:
            self.domain_id = params["DomainId"]
            self.name = params["UserProfileName"]
            super().__init__(backend, f"{self.domain_id}/{self.name}", params.get("Tags"))
            self.user_settings = params.get("UserSettings") or {}
            self.sso_identifier = params.get("SingleSignOnUserIdentifier")
            self.sso_value = params.get("SingleSignOnUserValue")
            self.home_efs_uid = str(mock_random.randint(200000, 299999))
            self.status = "InService"

        def describe(self) -> dict[str, Any]:
            return {
                "DomainId": self.domain_id,
                "UserProfileArn": self.arn,
                "UserProfileName": self.name,
                "HomeEfsFileSystemUid": self.home_efs_uid,
                "Status": self.status,
                "LastModifiedTime": self.last_modified_time,
                "CreationTime": self.creation_time,
                "SingleSignOnUserIdentifier": self.sso_identifier,
                "SingleSignOnUserValue": self.sso_value,
                "UserSettings": self.user_settings,
            }

        def summary(self) -> dict[str, Any]:
            return {
                "DomainId": self.domain_id,
                "UserProfileName": self.name,
                "Status": self.status,
                "CreationTime": self.creation_time,
                "LastModifiedTime": self.last_modified_time,
            }

    class FakeSpace(_Resource):
        kind = "space"

        def __init__(self, backend: SageMakerModelBackend, params: dict[str, Any]) -> None:
            self.domain_id = params["DomainId"]
            self.name = params["SpaceName"]
            super().__init__(backend, f"{self.domain_id}/{self.name}", params.get("Tags"))
            self.space_settings = params.get("SpaceSettings") or {}
            self.ownership_settings = params.get("OwnershipSettings")
            self.sharing_settings = params.get("SpaceSharingSettings")
            self.display_name = params.get("SpaceDisplayName")
            self.home_efs_uid = str(mock_random.randint(200000, 299999))
            self.url = f"https://{self.domain_id}.studio.{backend.region_name}.sagemaker.aws/spaces/{self.name}"
            self.status = "InService"

        def describe(self) -> dict[str, Any]:
            return {
                "DomainId": self.domain_id,
                "SpaceArn": self.arn,
                "SpaceName": self.name,
                "HomeEfsFileSystemUid": self.home_efs_uid,
                "Status": self.status,
                "LastModifiedTime": self.last_modified_time,
                "CreationTime": self.creation_time,
                "SpaceSettings": self.space_settings,
                "OwnershipSettings": self.ownership_settings,
                "SpaceSharingSettings": self.sharing_settings,
                "SpaceDisplayName": self.display_name,
                "Url": self.url,
            }

        def summary(self) -> dict[str, Any]:
            settings = self.space_settings
            return {
                "DomainId": self.domain_id,
                "SpaceName": self.name,
                "Status": self.status,
                "CreationTime": self.creation_time,
                "LastModifiedTime": self.last_modified_time,
                "SpaceSettingsSummary": {
                    key: settings[key] for key in ("AppType", "RemoteAccess", "SpaceStorageSettings") if key in settings
                },
                "SpaceSharingSettingsSummary": self.sharing_settings,
                "OwnershipSettingsSummary": self.ownership_settings,
                "SpaceDisplayName": self.display_name,
            }

    class FakeMlflowTrackingServer(_Resource):
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

    class FakeMonitoringSchedule(_Resource):
        kind = "monitoring-schedule"

        def __init__(self, backend: SageMakerModelBackend, params: dict[str, Any], endpoint_name: str | None) -> None:
            self.name = params["MonitoringScheduleName"]
            super().__init__(backend, self.name, params.get("Tags"))
            self.config = params["MonitoringScheduleConfig"]
            self.endpoint_name = endpoint_name
            self.status = "Scheduled"

        @property
        def monitoring_type(self) -> str | None:
            return self.config.get("MonitoringType")

        def describe(self) -> dict[str, Any]:
            return {
                "MonitoringScheduleArn": self.arn,
                "MonitoringScheduleName": self.name,
                "MonitoringScheduleStatus": self.status,
                "MonitoringType": self.monitoring_type,
                "CreationTime": self.creation_time,
                "LastModifiedTime": self.last_modified_time,
                "MonitoringScheduleConfig": self.config,
                "EndpointName": self.endpoint_name,
            }

        def summary(self) -> dict[str, Any]:
            return {
                "MonitoringScheduleName": self.name,
                "MonitoringScheduleArn": self.arn,
                "CreationTime": self.creation_time,
                "LastModifiedTime": self.last_modified_time,
                "MonitoringScheduleStatus": self.status,
                "EndpointName": self.endpoint_name,
                "MonitoringJobDefinitionName": self.config.get("MonitoringJobDefinitionName"),
                "MonitoringType": self.monitoring_type,
            }

    # Backend state: one dict per kind on each account/region backend.
    def user_profiles(backend: Any) -> dict[tuple[str, str], FakeUserProfile]:
        return _store(backend, "ext_user_profiles")

    def spaces(backend: Any) -> dict[tuple[str, str], FakeSpace]:
        return _store(backend, "ext_spaces")

    def tracking_servers(backend: Any) -> dict[str, FakeMlflowTrackingServer]:
        return _store(backend, "ext_mlflow_tracking_servers")

    def monitoring_schedules(backend: Any) -> dict[str, FakeMonitoringSchedule]:
        return _store(backend, "ext_monitoring_schedules")

    def require_domain(backend: Any, domain_id: str) -> None:
        if domain_id not in backend.domains:
            raise ResourceNotFound(f"Domain {domain_id} does not exist.")

    # -- backend methods (named like moto's: the operation in snake case) --

    def create_user_profile(self: Any, params: dict[str, Any]) -> FakeUserProfile:
        require_domain(self, params["DomainId"])
        key = (params["DomainId"], params["UserProfileName"])
        if key in user_profiles(self):
            raise ResourceInUseException(
                f"Resource Already Exists: UserProfile with name {key[1]} already exists. Choose a different name."
            )
        profile = user_profiles(self)[key] = FakeUserProfile(self, params)
        return profile

    def describe_user_profile(self: Any, domain_id: str, name: str) -> FakeUserProfile:
        profile = user_profiles(self).get((domain_id, name))
        if profile is None:
            raise ResourceNotFound(f"User profile {name} in domain {domain_id} does not exist.")
        return profile

    def update_user_profile(
        self: Any, domain_id: str, name: str, user_settings: dict[str, Any] | None
    ) -> FakeUserProfile:
        profile = self.describe_user_profile(domain_id, name)
        if user_settings:
            profile.user_settings = {**profile.user_settings, **user_settings}
        profile.touch()
        return profile

    def delete_user_profile(self: Any, domain_id: str, name: str) -> None:
        self.describe_user_profile(domain_id, name)
        owned = [
            s.name
            for s in spaces(self).values()
            if s.domain_id == domain_id and (s.ownership_settings or {}).get("OwnerUserProfileName") == name
        ]
        if owned:
            raise ResourceInUseException(f"User profile {name} still owns spaces: {', '.join(sorted(owned))}.")
        del user_profiles(self)[(domain_id, name)]

    def list_user_profiles(self: Any, domain_id: str | None, name_contains: str | None) -> list[FakeUserProfile]:
        return [
            p
            for p in user_profiles(self).values()
            if (not domain_id or p.domain_id == domain_id) and (not name_contains or name_contains in p.name)
        ]

    def create_space(self: Any, params: dict[str, Any]) -> FakeSpace:
        require_domain(self, params["DomainId"])
        key = (params["DomainId"], params["SpaceName"])
        if key in spaces(self):
            raise ResourceInUseException(
                f"Resource Already Exists: Space with name {key[1]} already exists. Choose a different name."
            )
        owner = (params.get("OwnershipSettings") or {}).get("OwnerUserProfileName")
        if owner and (key[0], owner) not in user_profiles(self):
            raise ResourceNotFound(f"User profile {owner} in domain {key[0]} does not exist.")
        space = spaces(self)[key] = FakeSpace(self, params)
        return space

    def describe_space(self: Any, domain_id: str, name: str) -> FakeSpace:
        space = spaces(self).get((domain_id, name))
        if space is None:
            raise ResourceNotFound(f"Space {name} in domain {domain_id} does not exist.")
        return space

    def update_space(
        self: Any, domain_id: str, name: str, settings: dict[str, Any] | None, display_name: str | None
    ) -> FakeSpace:
        space = self.describe_space(domain_id, name)
        if settings:
            space.space_settings = {**space.space_settings, **settings}
        if display_name is not None:
            space.display_name = display_name
        space.touch()
        return space

    def delete_space(self: Any, domain_id: str, name: str) -> None:
        self.describe_space(domain_id, name)
        del spaces(self)[(domain_id, name)]

    def list_spaces(self: Any, domain_id: str | None, name_contains: str | None) -> list[FakeSpace]:
        return [
            s
            for s in spaces(self).values()
            if (not domain_id or s.domain_id == domain_id) and (not name_contains or name_contains in s.name)
        ]

    def create_mlflow_tracking_server(self: Any, params: dict[str, Any]) -> FakeMlflowTrackingServer:
        name = params["TrackingServerName"]
        if name in tracking_servers(self):
            raise ResourceInUseException(f"Resource Already Exists: TrackingServer with name {name} already exists.")
        server = tracking_servers(self)[name] = FakeMlflowTrackingServer(self, params)
        return server

    def describe_mlflow_tracking_server(self: Any, name: str) -> FakeMlflowTrackingServer:
        server = tracking_servers(self).get(name)
        if server is None:
            raise ResourceNotFound(f"Tracking server {name} does not exist.")
        return server

    def update_mlflow_tracking_server(self: Any, params: dict[str, Any]) -> FakeMlflowTrackingServer:
        server = self.describe_mlflow_tracking_server(params["TrackingServerName"])
        server.update(params)
        return server

    def delete_mlflow_tracking_server(self: Any, name: str) -> FakeMlflowTrackingServer:
        server = self.describe_mlflow_tracking_server(name)
        del tracking_servers(self)[name]
        return server

    def list_mlflow_tracking_servers(
        self: Any, status: str | None, version: str | None
    ) -> list[FakeMlflowTrackingServer]:
        return [
            s
            for s in tracking_servers(self).values()
            if (not status or s.status == status) and (not version or s.mlflow_version == version)
        ]

    job_definition_stores = {
        "DataQuality": ("data_quality_job_definitions", "data_quality_job_input"),
        "ModelQuality": ("model_quality_job_definitions", "model_quality_job_input"),
        "ModelBias": ("model_bias_job_definitions", "model_bias_job_input"),
        "ModelExplainability": ("model_explainability_job_definitions", "model_explainability_job_input"),
    }

    def monitored_endpoint(self: Any, config: dict[str, Any]) -> str | None:
        """The endpoint a schedule watches: from its inline job definition or the named one (which must exist)."""
        inline = config.get("MonitoringJobDefinition")
        if inline:
            for source in inline.get("MonitoringInputs", []):
                if "EndpointInput" in source:
                    return source["EndpointInput"].get("EndpointName")
            return None
        name = config.get("MonitoringJobDefinitionName")
        monitoring_type = config.get("MonitoringType") or "DataQuality"
        if not name:
            raise ValidationError(
                "MonitoringScheduleConfig needs MonitoringJobDefinition or MonitoringJobDefinitionName."
            )
        store_name, input_attr = job_definition_stores[monitoring_type]
        definition = getattr(self, store_name, {}).get(name)
        if definition is None:
            raise ResourceNotFound(f"Job definition {name} of type {monitoring_type} not found")
        job_input = getattr(definition, input_attr, None) or {}
        return (job_input.get("EndpointInput") or {}).get("EndpointName")

    def create_monitoring_schedule(self: Any, params: dict[str, Any]) -> FakeMonitoringSchedule:
        name = params["MonitoringScheduleName"]
        if name in monitoring_schedules(self):
            raise ResourceInUseException(
                f"Resource Already Exists: MonitoringSchedule with name {name} already exists."
            )
        endpoint = monitored_endpoint(self, params["MonitoringScheduleConfig"])
        schedule = monitoring_schedules(self)[name] = FakeMonitoringSchedule(self, params, endpoint)
        return schedule

    def describe_monitoring_schedule(self: Any, name: str) -> FakeMonitoringSchedule:
        schedule = monitoring_schedules(self).get(name)
        if schedule is None:
            raise ResourceNotFound(f"Monitoring schedule {name} does not exist.")
        return schedule

    def update_monitoring_schedule(self: Any, name: str, config: dict[str, Any]) -> FakeMonitoringSchedule:
        schedule = self.describe_monitoring_schedule(name)
        schedule.endpoint_name = monitored_endpoint(self, config)
        schedule.config = config
        schedule.touch()
        return schedule

    def delete_monitoring_schedule(self: Any, name: str) -> None:
        self.describe_monitoring_schedule(name)
        del monitoring_schedules(self)[name]

    def list_monitoring_schedules(self: Any, filters: dict[str, Any]) -> list[FakeMonitoringSchedule]:
        def keep(s: FakeMonitoringSchedule) -> bool:
            return (
                (not filters.get("EndpointName") or s.endpoint_name == filters["EndpointName"])
                and (not filters.get("NameContains") or filters["NameContains"] in s.name)
                and (not filters.get("StatusEquals") or s.status == filters["StatusEquals"])
                and (
                    not filters.get("MonitoringJobDefinitionName")
                    or s.config.get("MonitoringJobDefinitionName") == filters["MonitoringJobDefinitionName"]
                )
                and (not filters.get("MonitoringTypeEquals") or s.monitoring_type == filters["MonitoringTypeEquals"])
            )

        return [s for s in monitoring_schedules(self).values() if keep(s)]

    def delete_model_package_group(self: Any, name_or_arn: str) -> None:
        name = name_or_arn.split("/")[-1] if name_or_arn.startswith("arn:") else name_or_arn
        self.describe_model_package_group(name)  # moto's ValidationException "... does not exist."
        if any(p.model_package_group_name == name for p in self.model_packages.values()):
            raise ConflictException(
                f"Model Package Group {name} still contains model packages; delete them first."
            )
        del self.model_package_groups[name]

    def delete_model_package(self: Any, name_or_arn: str) -> None:
        arn = self.model_package_name_mapping.get(name_or_arn, name_or_arn)
        if arn not in self.model_packages:
            raise ValidationError(message=f"Model package {name_or_arn} not found")
        del self.model_packages[arn]
        for alias in [a for a, target in self.model_package_name_mapping.items() if target == arn]:
            del self.model_package_name_mapping[alias]

    def update_endpoint(self: Any, endpoint_name: str, endpoint_config_name: str) -> FakeEndpoint:
        endpoint = self.endpoints.get(endpoint_name)
        if endpoint is None:
            arn = FakeEndpoint.arn_formatter(endpoint_name, self.account_id, self.region_name)
            raise ValidationError(message=f"Could not find endpoint '{arn}'.")
        config = self.describe_endpoint_config(endpoint_config_name)
        endpoint.endpoint_config_name = endpoint_config_name
        endpoint.production_variants = endpoint._process_production_variants(config["ProductionVariants"])
        endpoint.data_capture_config = config.get("DataCaptureConfig") or {}
        endpoint.endpoint_status = "InService"
        endpoint.last_modified_time = utcnow()
        return endpoint

    backend_methods: dict[str, Callable[..., Any]] = {
        "create_user_profile": create_user_profile,
        "describe_user_profile": describe_user_profile,
        "update_user_profile": update_user_profile,
        "delete_user_profile": delete_user_profile,
        "list_user_profiles": list_user_profiles,
        "create_space": create_space,
        "describe_space": describe_space,
        "update_space": update_space,
        "delete_space": delete_space,
        "list_spaces": list_spaces,
        "create_mlflow_tracking_server": create_mlflow_tracking_server,
        "describe_mlflow_tracking_server": describe_mlflow_tracking_server,
        "update_mlflow_tracking_server": update_mlflow_tracking_server,
        "delete_mlflow_tracking_server": delete_mlflow_tracking_server,
        "list_mlflow_tracking_servers": list_mlflow_tracking_servers,
        "create_monitoring_schedule": create_monitoring_schedule,
        "describe_monitoring_schedule": describe_monitoring_schedule,
        "update_monitoring_schedule": update_monitoring_schedule,
        "delete_monitoring_schedule": delete_monitoring_schedule,
        "list_monitoring_schedules": list_monitoring_schedules,
        "delete_model_package_group": delete_model_package_group,
        "delete_model_package": delete_model_package,
        "update_endpoint": update_endpoint,
    }
    for name, method in backend_methods.items():
        if not hasattr(SageMakerModelBackend, name):
            setattr(SageMakerModelBackend, name, method)

    # Tags (ListTags/AddTags/DeleteTags) and the Resource Groups Tagging API also see the new kinds.
    native_resource_from_arn = SageMakerModelBackend._get_resource_from_arn
    native_tagged_resources = SageMakerModelBackend.iter_tagged_resources

    def _get_resource_from_arn(self: Any, arn: str) -> Any:
        kind, _, resource_id = arn.split(":", 5)[-1].partition("/")
        stores: dict[str, Callable[[], Any]] = {
            "user-profile": lambda: user_profiles(self).get(tuple(resource_id.split("/", 1))),
            "space": lambda: spaces(self).get(tuple(resource_id.split("/", 1))),
            "mlflow-tracking-server": lambda: tracking_servers(self).get(resource_id),
            "monitoring-schedule": lambda: monitoring_schedules(self).get(resource_id),
        }
        if kind not in stores:
            return native_resource_from_arn(self, arn)
        resource = stores[kind]()
        if resource is None:
            raise ValidationError(message=f"Could not find {kind} with name {resource_id}")
        return resource

    def iter_tagged_resources(self: Any) -> Iterator[Any]:
        for resource in native_tagged_resources(self):
            # moto keeps an endpoint configuration's ARN in a one-element tuple; the API must answer a string.
            if isinstance(resource.arn, tuple):
                resource = dataclasses.replace(resource, arn=resource.arn[0])
            yield resource
        for resources in (user_profiles(self), spaces(self), tracking_servers(self), monitoring_schedules(self)):
            for resource in resources.values():
                yield TaggedResource(
                    arn=resource.arn,
                    tags={t["Key"]: t["Value"] for t in resource.tags},
                    resource_type=f"sagemaker:{resource.kind}",
                )

    def add_tags(self: Any, arn: str, tags: list[dict[str, str]]) -> list[dict[str, str]]:
        # AddTags overwrites a key that is already there (moto appended a second tag with the same key).
        resource = self._get_resource_from_arn(arn)
        new_keys = {tag["Key"] for tag in tags}
        resource.tags = [tag for tag in (resource.tags or []) if tag["Key"] not in new_keys] + list(tags)
        return resource.tags

    SageMakerModelBackend._get_resource_from_arn = _get_resource_from_arn
    SageMakerModelBackend.iter_tagged_resources = iter_tagged_resources
    SageMakerModelBackend.add_tags = add_tags

    # CreateModel keeps EnableNetworkIsolation (moto always answered False: the provider then plans a
    # replacement of every isolated model on each run), and a model without VpcConfig has none (moto
    # answered an empty one, which the provider reads as a vpc_config block: a replacement too).
    native_create_model = SageMakerResponse.create_model

    def create_model(self: Any) -> Any:
        result = native_create_model(self)
        model = self.sagemaker_backend._models.get(self._get_param("ModelName"))
        if model is not None:
            model.enable_network_isolation = bool(self._get_param("EnableNetworkIsolation", False))
            if not self._get_param("VpcConfig"):
                model.vpc_config = None  # left out of DescribeModel, as AWS leaves it out
        return result

    SageMakerResponse.create_model = create_model

    # CreateEndpoint keeps DeploymentConfig and DescribeEndpoint answers it as LastDeploymentConfig, which is
    # what the provider reads back (moto dropped it: the provider then replaces the endpoint on every plan).
    native_create_endpoint = SageMakerResponse.create_endpoint

    def create_endpoint(self: Any) -> Any:
        result = native_create_endpoint(self)
        endpoint = self.sagemaker_backend.endpoints.get(self._get_param("EndpointName"))
        if endpoint is not None and self._get_param("DeploymentConfig"):
            endpoint.last_deployment_config = self._get_param("DeploymentConfig")
        return result

    SageMakerResponse.create_endpoint = create_endpoint

    # A pipeline that does not exist is ResourceNotFound, as AWS answers it (moto: ValidationException). The
    # provider's delete treats ResourceNotFound as done: its SDK retries a DeletePipeline whose answer was
    # lost, and that retry must not fail a destroy that already happened.
    from moto.sagemaker import models as sagemaker_models

    def get_pipeline_from_name(pipelines: dict[str, Any], name: str) -> Any:
        pipeline = pipelines.get(name)
        if pipeline is None:
            raise ResourceNotFound(f"Pipeline '{name}' does not exist.")
        return pipeline

    sagemaker_models.get_pipeline_from_name = get_pipeline_from_name

    # -- response handlers --

    sort_keys = {
        "CreationTime": lambda r: r.creation_time,
        "LastModifiedTime": lambda r: r.last_modified_time,
        "Name": lambda r: r.name,
        "Status": lambda r: r.status,
    }

    def listed(self: Any, items: list[Any]) -> tuple[list[Any], str | None]:
        ordered = _sorted(items, self._get_param("SortBy"), self._get_param("SortOrder"), sort_keys)
        return _page(ordered, self._get_param("NextToken"), self._get_param("MaxResults"))

    def h_create_user_profile(self: Any) -> ActionResult:
        profile = self.sagemaker_backend.create_user_profile(self._get_params())
        return ActionResult({"UserProfileArn": profile.arn})

    def h_describe_user_profile(self: Any) -> ActionResult:
        profile = self.sagemaker_backend.describe_user_profile(
            self._get_param("DomainId"), self._get_param("UserProfileName")
        )
        return ActionResult(profile.describe())

    def h_create_presigned_domain_url(self: Any) -> ActionResult:
        domain_id, profile = self._get_param("DomainId"), self._get_param("UserProfileName")
        self.sagemaker_backend.describe_user_profile(domain_id, profile)  # ResourceNotFound, as AWS answers
        if self._get_param("SpaceName"):
            self.sagemaker_backend.describe_space(domain_id, self._get_param("SpaceName"))
        token = mock_random.get_random_string(48)
        return ActionResult({"AuthorizedUrl": f"https://{domain_id}.studio.{self.region}.sagemaker.aws/auth?token={token}"})

    def h_update_user_profile(self: Any) -> ActionResult:
        profile = self.sagemaker_backend.update_user_profile(
            self._get_param("DomainId"), self._get_param("UserProfileName"), self._get_param("UserSettings")
        )
        return ActionResult({"UserProfileArn": profile.arn})

    def h_delete_user_profile(self: Any) -> ActionResult:
        self.sagemaker_backend.delete_user_profile(self._get_param("DomainId"), self._get_param("UserProfileName"))
        return EmptyResult()

    def h_list_user_profiles(self: Any) -> ActionResult:
        found = self.sagemaker_backend.list_user_profiles(
            self._get_param("DomainIdEquals"), self._get_param("UserProfileNameContains")
        )
        page, token = listed(self, found)
        return ActionResult({"UserProfiles": [p.summary() for p in page], "NextToken": token})

    def h_create_space(self: Any) -> ActionResult:
        space = self.sagemaker_backend.create_space(self._get_params())
        return ActionResult({"SpaceArn": space.arn})

    def h_describe_space(self: Any) -> ActionResult:
        space = self.sagemaker_backend.describe_space(self._get_param("DomainId"), self._get_param("SpaceName"))
        return ActionResult(space.describe())

    def h_update_space(self: Any) -> ActionResult:
        space = self.sagemaker_backend.update_space(
            self._get_param("DomainId"),
            self._get_param("SpaceName"),
            self._get_param("SpaceSettings"),
            self._get_param("SpaceDisplayName"),
        )
        return ActionResult({"SpaceArn": space.arn})

    def h_delete_space(self: Any) -> ActionResult:
        self.sagemaker_backend.delete_space(self._get_param("DomainId"), self._get_param("SpaceName"))
        return EmptyResult()

    def h_list_spaces(self: Any) -> ActionResult:
        found = self.sagemaker_backend.list_spaces(
            self._get_param("DomainIdEquals"), self._get_param("SpaceNameContains")
        )
        page, token = listed(self, found)
        return ActionResult({"Spaces": [s.summary() for s in page], "NextToken": token})

    def h_create_mlflow_tracking_server(self: Any) -> ActionResult:
        server = self.sagemaker_backend.create_mlflow_tracking_server(self._get_params())
        return ActionResult({"TrackingServerArn": server.arn})

    def h_describe_mlflow_tracking_server(self: Any) -> ActionResult:
        server = self.sagemaker_backend.describe_mlflow_tracking_server(self._get_param("TrackingServerName"))
        return ActionResult(server.describe())

    def h_update_mlflow_tracking_server(self: Any) -> ActionResult:
        server = self.sagemaker_backend.update_mlflow_tracking_server(self._get_params())
        return ActionResult({"TrackingServerArn": server.arn})

    def h_delete_mlflow_tracking_server(self: Any) -> ActionResult:
        server = self.sagemaker_backend.delete_mlflow_tracking_server(self._get_param("TrackingServerName"))
        return ActionResult({"TrackingServerArn": server.arn})

    def h_list_mlflow_tracking_servers(self: Any) -> ActionResult:
        found = self.sagemaker_backend.list_mlflow_tracking_servers(
            self._get_param("TrackingServerStatus"), self._get_param("MlflowVersion")
        )
        page, token = listed(self, found)
        return ActionResult({"TrackingServerSummaries": [s.summary() for s in page], "NextToken": token})

    def h_create_monitoring_schedule(self: Any) -> ActionResult:
        schedule = self.sagemaker_backend.create_monitoring_schedule(self._get_params())
        return ActionResult({"MonitoringScheduleArn": schedule.arn})

    def h_describe_monitoring_schedule(self: Any) -> ActionResult:
        schedule = self.sagemaker_backend.describe_monitoring_schedule(self._get_param("MonitoringScheduleName"))
        return ActionResult(schedule.describe())

    def h_update_monitoring_schedule(self: Any) -> ActionResult:
        schedule = self.sagemaker_backend.update_monitoring_schedule(
            self._get_param("MonitoringScheduleName"), self._get_param("MonitoringScheduleConfig")
        )
        return ActionResult({"MonitoringScheduleArn": schedule.arn})

    def h_delete_monitoring_schedule(self: Any) -> ActionResult:
        self.sagemaker_backend.delete_monitoring_schedule(self._get_param("MonitoringScheduleName"))
        return EmptyResult()

    def h_list_monitoring_schedules(self: Any) -> ActionResult:
        found = self.sagemaker_backend.list_monitoring_schedules(self._get_params())
        page, token = listed(self, found)
        return ActionResult({"MonitoringScheduleSummaries": [s.summary() for s in page], "NextToken": token})

    def h_delete_model_package_group(self: Any) -> ActionResult:
        self.sagemaker_backend.delete_model_package_group(self._get_param("ModelPackageGroupName"))
        return EmptyResult()

    def h_delete_model_package(self: Any) -> ActionResult:
        self.sagemaker_backend.delete_model_package(self._get_param("ModelPackageName"))
        return EmptyResult()

    def h_update_endpoint(self: Any) -> ActionResult:
        endpoint = self.sagemaker_backend.update_endpoint(
            self._get_param("EndpointName"), self._get_param("EndpointConfigName")
        )
        if self._get_param("DeploymentConfig"):
            endpoint.last_deployment_config = self._get_param("DeploymentConfig")
        return ActionResult({"EndpointArn": endpoint.arn})

    return _add_operations(
        "sagemaker",
        SageMakerResponse,
        {
            "CreateUserProfile": h_create_user_profile,
            "DescribeUserProfile": h_describe_user_profile,
            "UpdateUserProfile": h_update_user_profile,
            "DeleteUserProfile": h_delete_user_profile,
            "ListUserProfiles": h_list_user_profiles,
            "CreateSpace": h_create_space,
            "DescribeSpace": h_describe_space,
            "UpdateSpace": h_update_space,
            "DeleteSpace": h_delete_space,
            "ListSpaces": h_list_spaces,
            "CreatePresignedDomainUrl": h_create_presigned_domain_url,
            "CreateMlflowTrackingServer": h_create_mlflow_tracking_server,
            "DescribeMlflowTrackingServer": h_describe_mlflow_tracking_server,
            "UpdateMlflowTrackingServer": h_update_mlflow_tracking_server,
            "DeleteMlflowTrackingServer": h_delete_mlflow_tracking_server,
            "ListMlflowTrackingServers": h_list_mlflow_tracking_servers,
            "CreateMonitoringSchedule": h_create_monitoring_schedule,
            "DescribeMonitoringSchedule": h_describe_monitoring_schedule,
            "UpdateMonitoringSchedule": h_update_monitoring_schedule,
            "DeleteMonitoringSchedule": h_delete_monitoring_schedule,
            "ListMonitoringSchedules": h_list_monitoring_schedules,
            "DeleteModelPackageGroup": h_delete_model_package_group,
            "DeleteModelPackage": h_delete_model_package,
            "UpdateEndpoint": h_update_endpoint,
        },
    )


# --- Budgets --------------------------------------------------------------------------------------------------


def _install_budgets() -> list[str]:
    from moto.budgets.models import BudgetsBackend
    from moto.budgets.responses import BudgetsResponse
    from moto.core.responses import ActionResult, EmptyResult
    from moto.core.utils import unix_time
    from moto.utilities.tagging_service import TaggingService

    def not_found(message: str) -> Exception:
        return _error("NotFoundException", message)

    def tags(backend: Any) -> TaggingService:
        return _store(backend, "ext_budget_tags", TaggingService)

    def budget_arn(backend: Any, account_id: str, name: str) -> str:
        return f"arn:{backend.partition}:budgets::{account_id}:budget/{name}"

    def budget_from_arn(backend: Any, arn: str) -> tuple[str, str]:
        """(account, budget name) of an existing budget's ARN, else NotFoundException."""
        parts = arn.split(":", 5)
        if len(parts) == 6 and parts[2] == "budgets" and parts[5].startswith("budget/"):
            account_id, name = parts[4], parts[5][len("budget/") :]
            if name in backend.budgets[account_id]:
                return account_id, name
        raise not_found(f"Unable to find resource {arn}: the budget doesn't exist.")

    def find_budget(backend: Any, account_id: str, name: str) -> Any:
        budget = backend.budgets[account_id].get(name)
        if budget is None:
            raise not_found(f"Unable to get budget: {name} - the budget doesn't exist.")
        return budget

    def same_notification(stored: dict[str, Any], asked: dict[str, Any]) -> bool:
        def key(n: dict[str, Any]) -> tuple[Any, ...]:
            return (
                n.get("NotificationType"),
                n.get("ComparisonOperator"),
                float(n.get("Threshold", 0)),
                n.get("ThresholdType") or "PERCENTAGE",
            )

        return key(stored) == key(asked)

    # -- backend methods --

    def describe_subscribers_for_notification(
        self: Any, account_id: str, budget_name: str, notification: dict[str, Any]
    ) -> list[dict[str, str]]:
        budget = find_budget(self, account_id, budget_name)
        for stored in budget.notifications:
            if same_notification(stored.details, notification):
                return list(stored.subscribers)
        raise not_found(f"Unable to get subscribers: the notification doesn't exist on budget {budget_name}.")

    def update_budget(self: Any, account_id: str, new_budget: dict[str, Any]) -> None:
        budget = find_budget(self, account_id, new_budget["BudgetName"])
        kept = {key: budget.budget[key] for key in ("TimePeriod",) if key in budget.budget and key not in new_budget}
        budget.budget = {**new_budget, **kept, "LastUpdatedTime": unix_time()}

    def list_budget_tags(self: Any, arn: str) -> list[dict[str, str]]:
        budget_from_arn(self, arn)
        return tags(self).list_tags_for_resource(arn)["Tags"]

    def tag_budget(self: Any, arn: str, resource_tags: list[dict[str, str]]) -> None:
        budget_from_arn(self, arn)
        tags(self).tag_resource(arn, resource_tags)

    def untag_budget(self: Any, arn: str, keys: list[str]) -> None:
        budget_from_arn(self, arn)
        tags(self).untag_resource_using_names(arn, keys)

    for name, method in {
        "describe_subscribers_for_notification": describe_subscribers_for_notification,
        "update_budget": update_budget,
        "list_budget_tags": list_budget_tags,
        "tag_budget": tag_budget,
        "untag_budget": untag_budget,
    }.items():
        if not hasattr(BudgetsBackend, name):
            setattr(BudgetsBackend, name, method)

    # CreateBudget stores ResourceTags; DeleteBudget drops them; a missing budget's notifications are NotFound.
    native_create = BudgetsResponse.create_budget
    native_delete = BudgetsResponse.delete_budget
    native_notifications = BudgetsResponse.describe_notifications_for_budget

    def create_budget(self: Any) -> Any:
        result = native_create(self)
        account_id, budget = self._get_param("AccountId"), self._get_param("Budget")
        resource_tags = self._get_param("ResourceTags")
        if resource_tags:
            tags(self.backend).tag_resource(budget_arn(self.backend, account_id, budget["BudgetName"]), resource_tags)
        return result

    def delete_budget(self: Any) -> Any:
        result = native_delete(self)
        account_id, name = self._get_param("AccountId"), self._get_param("BudgetName")
        tags(self.backend).delete_all_tags_for_resource(budget_arn(self.backend, account_id, name))
        return result

    def describe_notifications_for_budget(self: Any) -> Any:
        find_budget(self.backend, self._get_param("AccountId"), self._get_param("BudgetName"))
        return native_notifications(self)

    BudgetsResponse.create_budget = create_budget
    BudgetsResponse.delete_budget = delete_budget
    BudgetsResponse.describe_notifications_for_budget = describe_notifications_for_budget

    # -- response handlers --

    def h_describe_subscribers_for_notification(self: Any) -> ActionResult:
        subscribers = self.backend.describe_subscribers_for_notification(
            self._get_param("AccountId"), self._get_param("BudgetName"), self._get_param("Notification")
        )
        page, token = _page(subscribers, self._get_param("NextToken"), self._get_param("MaxResults"))
        return ActionResult({"Subscribers": page, "NextToken": token})

    def h_update_budget(self: Any) -> ActionResult:
        self.backend.update_budget(self._get_param("AccountId"), self._get_param("NewBudget"))
        return EmptyResult()

    def h_list_tags_for_resource(self: Any) -> ActionResult:
        return ActionResult({"ResourceTags": self.backend.list_budget_tags(self._get_param("ResourceARN"))})

    def h_tag_resource(self: Any) -> ActionResult:
        self.backend.tag_budget(self._get_param("ResourceARN"), self._get_param("ResourceTags"))
        return EmptyResult()

    def h_untag_resource(self: Any) -> ActionResult:
        self.backend.untag_budget(self._get_param("ResourceARN"), self._get_param("ResourceTagKeys"))
        return EmptyResult()

    return _add_operations(
        "budgets",
        BudgetsResponse,
        {
            "DescribeSubscribersForNotification": h_describe_subscribers_for_notification,
            "UpdateBudget": h_update_budget,
            "ListTagsForResource": h_list_tags_for_resource,
            "TagResource": h_tag_resource,
            "UntagResource": h_untag_resource,
        },
    )


# --- Application Auto Scaling ---------------------------------------------------------------------------------


def _install_autoscaling() -> list[str]:
    from moto.applicationautoscaling.models import ApplicationAutoscalingBackend
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
    from moto.core.responses import ActionResult, EmptyResult
    from moto.utilities.tagging_service import TaggingService

    def tags(backend: Any) -> TaggingService:
        return _store(backend, "ext_scalable_target_tags", TaggingService)

    def require_target(backend: Any, arn: str) -> None:
        if not any(t.arn == arn for targets in backend.targets.values() for t in targets.values()):
            raise _error("ResourceNotFoundException", f"No scalable target found for {arn}")

    def list_target_tags(self: Any, arn: str) -> dict[str, str]:
        require_target(self, arn)
        return tags(self).get_tag_dict_for_resource(arn)

    def tag_target(self: Any, arn: str, new_tags: dict[str, str]) -> None:
        require_target(self, arn)
        tags(self).tag_resource(arn, [{"Key": k, "Value": v} for k, v in new_tags.items()])

    def untag_target(self: Any, arn: str, keys: list[str]) -> None:
        require_target(self, arn)
        tags(self).untag_resource_using_names(arn, keys)

    for name, method in {
        "list_target_tags": list_target_tags,
        "tag_target": tag_target,
        "untag_target": untag_target,
    }.items():
        if not hasattr(ApplicationAutoscalingBackend, name):
            setattr(ApplicationAutoscalingBackend, name, method)

    # RegisterScalableTarget stores Tags (on first registration, as AWS does); deregistering drops them.
    native_register = ApplicationAutoScalingResponse.register_scalable_target
    native_deregister = ApplicationAutoScalingResponse.deregister_scalable_target

    def target_arn(backend: Any, resource_id: str, dimension: str) -> str | None:
        target = backend.targets.get(dimension, {}).get(resource_id)
        return target.arn if target else None

    def register_scalable_target(self: Any) -> Any:
        backend = self.applicationautoscaling_backend
        existed = target_arn(backend, self._get_param("ResourceId"), self._get_param("ScalableDimension"))
        result = native_register(self)
        new_tags = self._get_param("Tags")
        arn = target_arn(backend, self._get_param("ResourceId"), self._get_param("ScalableDimension"))
        if new_tags and arn and not existed:
            tags(backend).tag_resource(arn, [{"Key": k, "Value": v} for k, v in new_tags.items()])
        return result

    def deregister_scalable_target(self: Any) -> Any:
        backend = self.applicationautoscaling_backend
        arn = target_arn(backend, self._get_param("ResourceId"), self._get_param("ScalableDimension"))
        result = native_deregister(self)
        if arn:
            tags(backend).delete_all_tags_for_resource(arn)
        return result

    ApplicationAutoScalingResponse.register_scalable_target = register_scalable_target
    ApplicationAutoScalingResponse.deregister_scalable_target = deregister_scalable_target

    # Deregistering a target or deleting a policy that is not there is ObjectNotFoundException, as AWS answers
    # (moto: ValidationException). The provider's delete treats it as done, so a retried delete succeeds.
    from moto.applicationautoscaling.models import FakeApplicationAutoscalingPolicy

    native_backend_deregister = ApplicationAutoscalingBackend.deregister_scalable_target
    native_backend_delete_policy = ApplicationAutoscalingBackend.delete_scaling_policy

    def backend_deregister(self: Any, namespace: str, r_id: str, dimension: str) -> None:
        if not self._scalable_target_exists(r_id, dimension):
            raise _error("ObjectNotFoundException", f"No scalable target registered for service namespace: "
                         f"{namespace}, resource ID: {r_id}, scalable dimension: {dimension}")
        native_backend_deregister(self, namespace, r_id, dimension)

    def backend_delete_policy(self: Any, policy_name: str, service_namespace: str, resource_id: str,
                              scalable_dimension: str) -> None:
        key = FakeApplicationAutoscalingPolicy.formulate_key(service_namespace, resource_id, scalable_dimension,
                                                             policy_name)
        if key not in self.policies:
            raise _error("ObjectNotFoundException", f"No scaling policy found for service namespace: "
                         f"{service_namespace}, resource ID: {resource_id}, scalable dimension: {scalable_dimension}, "
                         f"policy name: {policy_name}")
        native_backend_delete_policy(self, policy_name, service_namespace, resource_id, scalable_dimension)

    ApplicationAutoscalingBackend.deregister_scalable_target = backend_deregister
    ApplicationAutoscalingBackend.delete_scaling_policy = backend_delete_policy

    def h_list_tags_for_resource(self: Any) -> ActionResult:
        target_tags = self.applicationautoscaling_backend.list_target_tags(self._get_param("ResourceARN"))
        return ActionResult({"Tags": target_tags})

    def h_tag_resource(self: Any) -> ActionResult:
        self.applicationautoscaling_backend.tag_target(self._get_param("ResourceARN"), self._get_param("Tags"))
        return EmptyResult()

    def h_untag_resource(self: Any) -> ActionResult:
        self.applicationautoscaling_backend.untag_target(self._get_param("ResourceARN"), self._get_param("TagKeys"))
        return EmptyResult()

    return _add_operations(
        "application-autoscaling",
        ApplicationAutoScalingResponse,
        {
            "ListTagsForResource": h_list_tags_for_resource,
            "TagResource": h_tag_resource,
            "UntagResource": h_untag_resource,
        },
    )


# --- CloudWatch Logs ------------------------------------------------------------------------------------------


def _install_logs() -> list[str]:
    from moto.core.responses import ActionResult, EmptyResult
    from moto.logs.exceptions import ResourceNotFoundException
    from moto.logs.models import LogGroup, LogsBackend
    from moto.logs.responses import LogsResponse

    def find_group(backend: Any, name_or_arn: str | None) -> LogGroup:
        name = name_or_arn or ""
        if name.startswith("arn:"):
            name = name.split(":log-group:", 1)[-1].removesuffix(":*")
        group = backend.groups.get(name)
        if group is None:
            raise ResourceNotFoundException()
        return group

    def associate_kms_key(self: Any, group_name: str, kms_key_id: str) -> None:
        find_group(self, group_name).kms_key_id = kms_key_id

    def disassociate_kms_key(self: Any, group_name: str) -> None:
        find_group(self, group_name).kms_key_id = None

    def put_log_group_deletion_protection(self: Any, identifier: str, enabled: bool) -> None:
        find_group(self, identifier).deletion_protection_enabled = bool(enabled)

    for name, method in {
        "associate_kms_key": associate_kms_key,
        "disassociate_kms_key": disassociate_kms_key,
        "put_log_group_deletion_protection": put_log_group_deletion_protection,
    }.items():
        if not hasattr(LogsBackend, name):
            setattr(LogsBackend, name, method)

    # The log group's class and deletion protection: stored at create, shown by DescribeLogGroups, and a
    # protected group refuses DeleteLogGroup as AWS does.
    native_describe = LogGroup.to_describe_dict
    native_create = LogsResponse.create_log_group
    native_delete = LogsResponse.delete_log_group

    def to_describe_dict(self: Any) -> dict[str, Any]:
        described = native_describe(self)
        described.setdefault("logGroupClass", getattr(self, "log_group_class", None) or "STANDARD")
        described.setdefault("deletionProtectionEnabled", bool(getattr(self, "deletion_protection_enabled", False)))
        return described

    def create_log_group(self: Any) -> Any:
        result = native_create(self)
        group = self.logs_backend.groups.get(self._get_param("logGroupName"))
        if group is not None:
            group.log_group_class = self._get_param("logGroupClass") or "STANDARD"
            group.deletion_protection_enabled = bool(self._get_param("deletionProtectionEnabled", False))
        return result

    def delete_log_group(self: Any) -> Any:
        group = self.logs_backend.groups.get(self._get_param("logGroupName"))
        if group is not None and getattr(group, "deletion_protection_enabled", False):
            raise _error(
                "InvalidOperationException",
                f"Log group {group.name} has deletion protection enabled; disable it before deleting.",
            )
        return native_delete(self)

    LogGroup.to_describe_dict = to_describe_dict
    LogsResponse.create_log_group = create_log_group
    LogsResponse.delete_log_group = delete_log_group

    def h_associate_kms_key(self: Any) -> ActionResult:
        identifier = self._get_param("logGroupName") or self._get_param("resourceIdentifier")
        self.logs_backend.associate_kms_key(identifier, self._get_param("kmsKeyId"))
        return EmptyResult()

    def h_disassociate_kms_key(self: Any) -> ActionResult:
        identifier = self._get_param("logGroupName") or self._get_param("resourceIdentifier")
        self.logs_backend.disassociate_kms_key(identifier)
        return EmptyResult()

    def h_put_log_group_deletion_protection(self: Any) -> ActionResult:
        self.logs_backend.put_log_group_deletion_protection(
            self._get_param("logGroupIdentifier"), self._get_param("deletionProtectionEnabled")
        )
        return EmptyResult()

    return _add_operations(
        "logs",
        LogsResponse,
        {
            "AssociateKmsKey": h_associate_kms_key,
            "DisassociateKmsKey": h_disassociate_kms_key,
            "PutLogGroupDeletionProtection": h_put_log_group_deletion_protection,
        },
    )


# --- KMS ------------------------------------------------------------------------------------------------------


def _install_kms() -> list[str]:
    """EnableKeyRotation keeps RotationPeriodInDays and GetKeyRotationStatus answers it (moto dropped it: the
    provider then sees rotation_period_in_days 0 against the configured 365 and plans an update on every run)."""
    import json

    from moto.kms.models import kms_backends
    from moto.kms.responses import KmsResponse

    default_period = 365  # AWS's period when EnableKeyRotation names none
    native_enable = KmsResponse.enable_key_rotation
    native_status = KmsResponse.get_key_rotation_status

    def key_of(response: Any) -> Any:
        backend = kms_backends[response.current_account][response.region]
        return backend.keys[backend.get_key_id(response._get_param("KeyId"))]

    def enable_key_rotation(self: Any) -> Any:
        result = native_enable(self)
        key_of(self).rotation_period_in_days = int(self._get_param("RotationPeriodInDays") or default_period)
        return result

    def get_key_rotation_status(self: Any) -> Any:
        answer = json.loads(native_status(self))
        key = key_of(self)
        answer["KeyId"] = key.id
        if answer.get("KeyRotationEnabled"):
            answer["RotationPeriodInDays"] = getattr(key, "rotation_period_in_days", default_period)
        return json.dumps(answer)

    KmsResponse.enable_key_rotation = enable_key_rotation
    KmsResponse.get_key_rotation_status = get_key_rotation_status
    return []


# --- S3 -------------------------------------------------------------------------------------------------------


def _install_s3() -> list[str]:
    """PutBucketLogging checks what AWS checks (the target bucket exists, in the same region) and no more.

    moto also demanded a log-delivery grant or a matching bucket-policy statement on the target bucket, which AWS
    does not check when logging is configured, and it answered HTTP 500 when the target's policy held a statement
    with `"Principal": "*"` (our deny-insecure-transport statements).
    """
    from moto.s3.exceptions import CrossLocationLoggingProhibited, InvalidTargetBucketForLogging
    from moto.s3.models import FakeBucket

    def set_logging(self: Any, logging_config: dict[str, Any] | None, bucket_backend: Any) -> None:
        if not logging_config:
            self.logging = {}
            return
        target_bucket = bucket_backend.buckets.get(logging_config["TargetBucket"])
        if not target_bucket:
            raise InvalidTargetBucketForLogging("The target bucket for logging does not exist.")
        if target_bucket.region_name != self.region_name:
            raise CrossLocationLoggingProhibited()
        self.logging = logging_config

    FakeBucket.set_logging = set_logging
    _install_s3_bucket_policy()
    _install_s3_create_bucket_tags()
    return []


def _install_s3_create_bucket_tags() -> None:
    """CreateBucket stores the tags its CreateBucketConfiguration carries, as AWS does (the AWS provider tags a bucket
    on create that way; moto dropped them, so every plan after the first wanted to add the tags again)."""
    import xmltodict
    from moto.s3.responses import S3Response

    native_put = S3Response._bucket_response_put

    def bucket_response_put(self: Any, request: Any, bucket_name: str, querystring: dict[str, Any]) -> Any:
        result = native_put(self, request, bucket_name, querystring)
        if not querystring and self.body:
            try:
                configuration = xmltodict.parse(self.body).get("CreateBucketConfiguration") or {}
            except Exception:  # noqa: BLE001 - moto already answered a body it could not read
                return result
            tags = ((configuration.get("Tags") or {}).get("Tag")) or []
            tags = tags if isinstance(tags, list) else [tags]
            if tags:
                self.backend.put_bucket_tagging(bucket_name, {t["Key"]: t.get("Value") or "" for t in tags})
        return result

    S3Response._bucket_response_put = bucket_response_put


# Condition operators that hold when the request lacks the key (AWS: `...IfExists` and `Null`).
_ABSENT_KEY_HOLDS = ("IfExists", "Null")


def _install_s3_bucket_policy() -> None:
    """Object calls evaluate a bucket policy's conditioned statements the way AWS does when the key is absent.

    moto hands a bucket policy no request context, and when a statement's condition is not met it answers DENIED
    whatever the statement's effect. So a `Deny` on `aws:SecureTransport = false` (every bucket provision creates
    is TLS-only) denied every PutObject, although the condition does not hold. AWS evaluates a condition on a key the
    request lacks as false (except `...IfExists` and `Null`), so the statement does not apply: here it is set aside.
    Statements without a condition, or with only operators that hold on an absent key, are evaluated as moto does.
    """
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult
    from moto.s3.models import FakeBucket

    def applies_without_context(statement: dict[str, Any]) -> bool:
        return all(operator.endswith(_ABSENT_KEY_HOLDS) for operator in statement.get("Condition") or {})

    def get_permission(self: Any, action: str, resource: str) -> Any:
        import json

        if self.policy is None:
            return PermissionResult.NEUTRAL
        statements = json.loads(self.policy)["Statement"]
        result = PermissionResult.NEUTRAL
        for statement in statements if isinstance(statements, list) else [statements]:
            if not applies_without_context(statement):
                continue
            verdict = IAMPolicyStatement({k: v for k, v in statement.items() if k != "Condition"}).is_action_permitted(
                action, resource)
            if verdict == PermissionResult.DENIED:
                return verdict
            if verdict == PermissionResult.PERMITTED:
                result = verdict
        return result

    FakeBucket.get_permission = get_permission


# --- CloudWatch over CBOR ---------------------------------------------------------------------------------------


CLOUDWATCH_TARGET = "GraniteServiceVersion20100801"  # the service's Smithy name, in the RPC v2 path


def _install_cloudwatch_cbor() -> list[str]:
    """CloudWatch answers Smithy RPC v2 CBOR, the only protocol the AWS provider's SDK (aws-sdk-go-v2) uses for it.

    Requests come as `POST /service/GraniteServiceVersion20100801/operation/<Operation>` with a CBOR body; moto
    serves CloudWatch's JSON protocol at `/`. This route decodes the CBOR input with botocore's parser and the
    operation's input shape, hands moto's own CloudWatch handler the same input as JSON, and encodes its answer
    (or its error, as `__type` and `message`) back into CBOR with the output shape, with the `smithy-protocol`
    header the SDK checks. State and behaviour stay moto's.
    """
    import moto.cloudwatch.urls as urls
    from moto.cloudwatch.responses import CloudWatchResponse

    route = "{0}/service/" + CLOUDWATCH_TARGET + "/operation/(?P<operation>[A-Za-z]+)$"
    def cloudwatch_over_cbor(request: Any, full_url: str, headers: dict[str, str]) -> Any:
        return _cloudwatch_over_cbor(CloudWatchResponse, request, full_url, headers)

    urls.url_paths.setdefault(route, cloudwatch_over_cbor)
    return []


@functools.lru_cache(maxsize=1)
def _cloudwatch_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("cloudwatch")


def _cloudwatch_over_cbor(response_cls: Any, request: Any, full_url: str, headers: dict[str, str]) -> Any:
    import json

    from botocore.parsers import JSONParser, RpcV2CBORParser
    from botocore.serialize import JSONSerializer, RpcV2CBORSerializer
    from moto.core.exceptions import ServiceException
    from moto.core.request import Request

    cbor_headers = {"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"}
    operation_name = full_url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    model = _cloudwatch_model()
    if operation_name not in model.operation_names:
        return 400, cbor_headers, _cbor_error("UnknownOperationException", f"no operation {operation_name}")
    operation = model.operation_model(operation_name)
    body = request.get_data() if hasattr(request, "get_data") else request.data
    params = (RpcV2CBORParser().parse({"body": body or b"", "headers": {}, "status_code": 200}, operation.input_shape)
              if operation.input_shape is not None else {})
    params.pop("ResponseMetadata", None)
    as_json = JSONSerializer().serialize_to_request(params, operation)
    forwarded = {key: value for key, value in headers.items()
                 if key.lower() not in ("content-type", "content-length", "smithy-protocol", "accept")}
    forwarded.update({"Content-Type": "application/x-amz-json-1.0",
                      "X-Amz-Target": f"{CLOUDWATCH_TARGET}.{operation_name}"})
    root = full_url.split("/service/", 1)[0] + "/"
    inner = Request.from_primitives("POST", root, forwarded, as_json["body"])
    try:
        status, _, answer = response_cls.dispatch(inner, root, forwarded)
    except ServiceException as failed:  # moto raises modelled errors; its server serializes them elsewhere
        return _error_status(operation, failed.code), cbor_headers, _cbor_error(failed.code, failed.message)
    text = answer.encode() if isinstance(answer, str) else (answer or b"")
    if status >= 300:
        try:
            error = json.loads(text or b"{}")
        except ValueError:
            error = {"message": text.decode(errors="replace")}
        code = str(error.get("__type") or error.get("code") or error.get("Code") or "InternalFailure").rsplit("#", 1)[-1]
        return status, cbor_headers, _cbor_error(code, str(error.get("message") or error.get("Message") or ""))
    if operation.output_shape is None:
        return 200, cbor_headers, b""
    parsed = JSONParser().parse({"body": text or b"{}", "headers": {}, "status_code": 200}, operation.output_shape)
    parsed.pop("ResponseMetadata", None)
    encoded = bytearray()
    RpcV2CBORSerializer()._serialize_data_item(encoded, parsed, operation.output_shape)
    return 200, cbor_headers, bytes(encoded)


def _error_status(operation: Any, code: str) -> int:
    """The HTTP status the service model gives error `code` (400 when it names none)."""
    for shape in operation.error_shapes:
        error = shape.metadata.get("error") or {}
        if code in (shape.name, error.get("code")):
            return int(error.get("httpStatusCode") or 400)
    return 400


def _cbor_error(code: str, message: str) -> bytes:
    """A CBOR map {"__type": code, "message": message}: the RPC v2 error body."""
    from botocore.model import StructureShape
    from botocore.serialize import RpcV2CBORSerializer

    shape = StructureShape("Error", {"type": "structure", "members": {"__type": {"shape": "S"}, "message": {"shape": "S"}}},
                  _StringShapes())
    encoded = bytearray()
    RpcV2CBORSerializer()._serialize_data_item(encoded, {"__type": code, "message": message}, shape)
    return bytes(encoded)


class _StringShapes:
    """The one-shape resolver `_cbor_error`'s ad hoc structure needs (every member a string)."""

    def resolve_shape_ref(self, ref: dict[str, Any]) -> Any:
        from botocore.model import Shape

        return Shape("S", {"type": "string"})
