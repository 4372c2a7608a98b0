"""The moto extensions of the local cloud, each call round-tripped through the real boto3 client.

A moto server process with the extensions installed (the way the local cloud's server loads them) runs once per
session; every test talks to it over HTTP with boto3, and every response is checked against the botocore output
shape (required members present, types as modelled).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.moto

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's default account
DOMAIN_NAME = "a1b2c3d4e5f6"  # moto names a domain's id d-<name>: the example org's Studio domain
DOMAIN_ID = f"d-{DOMAIN_NAME}"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/provision-test"
TAGS = [{"Key": "provision:workspace", "Value": "churn"}, {"Key": "team", "Value": "growth"}]

SERVER_CODE = (
    "import sys; from provisioner.localcloud.services import install; install(); "
    "from moto.server import main; main(sys.argv[1:])"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def extended_moto() -> Iterator[str]:
    """A moto server process on 127.0.0.1 that installed the extensions before serving; yields its endpoint."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER_CODE, "-H", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto server with extensions exited: {process.stderr.read().decode()[-2000:]}")
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("moto server with extensions did not start")
    try:
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def client(extended_moto: str):
    """boto3 clients on the extended server, which starts every test empty (moto's reset API)."""
    import boto3

    urllib.request.urlopen(urllib.request.Request(f"{extended_moto}/moto-api/reset", method="POST"), timeout=10)
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )

    def make(service: str):
        return session.client(service, endpoint_url=extended_moto)

    return make


# --- the botocore output shape, checked on every response -----------------------------------------------------

_TYPES = {
    "string": str, "boolean": bool, "integer": int, "long": int, "double": (int, float), "float": (int, float),
    "timestamp": datetime.datetime, "blob": bytes,
}


def _check_shape(shape: Any, value: Any, path: str, problems: list[str]) -> None:
    if shape.type_name == "structure":
        if not isinstance(value, dict):
            problems.append(f"{path}: expected a structure, got {type(value).__name__}")
            return
        for name in shape.required_members:
            if name not in value:
                problems.append(f"{path}.{name}: required member missing")
        for name, member_value in value.items():
            if name in shape.members:
                _check_shape(shape.members[name], member_value, f"{path}.{name}", problems)
            elif name != "ResponseMetadata":
                problems.append(f"{path}.{name}: not in the model")
    elif shape.type_name == "list":
        if not isinstance(value, list):
            problems.append(f"{path}: expected a list, got {type(value).__name__}")
            return
        for index, item in enumerate(value):
            _check_shape(shape.member, item, f"{path}[{index}]", problems)
    elif shape.type_name == "map":
        if not isinstance(value, dict):
            problems.append(f"{path}: expected a map, got {type(value).__name__}")
            return
        for key, item in value.items():
            _check_shape(shape.value, item, f"{path}[{key}]", problems)
    else:
        expected = _TYPES[shape.type_name]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            problems.append(f"{path}: expected {shape.type_name}, got {type(value).__name__} {value!r}")
        enum = getattr(shape, "enum", None)
        if enum and value not in enum:
            problems.append(f"{path}: {value!r} not one of {enum}")


def call(api: Any, operation: str, **params: Any) -> dict[str, Any]:
    """Calls OPERATION through boto3 and checks the answer against the botocore output shape."""
    response = getattr(api, re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower())(**params)
    output = api.meta.service_model.operation_model(operation).output_shape
    problems: list[str] = []
    if output is not None:
        _check_shape(output, response, operation, problems)
    assert problems == [], problems
    return response


def error_code(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.response["Error"]["Code"]


# --- install() and its documentation ----------------------------------------------------------------------------


def test_install_is_idempotent_and_reports_every_documented_operation():
    from provisioner.localcloud.services import OPERATIONS, install

    # GIVEN this process's moto (the same version the server runs)
    # WHEN the extensions are installed twice
    first, second = install(), install()
    # THEN the second call adds nothing new, and the list is exactly the documented table
    assert first == second
    assert sorted(first) == sorted(f"{service}:{operation}" for service, operation, _ in OPERATIONS)
    assert len(set(first)) == len(first)


def test_docs_list_every_added_operation():
    from provisioner.localcloud.services import install

    # GIVEN the operations install() adds
    added = set(install())
    # WHEN the documentation's table is read
    doc = (PROJECT_ROOT / "docs" / "local-cloud-extensions.md").read_text()
    documented = {f"{s}:{o}" for s, o in re.findall(r"^\| `([a-z0-9-]+)` \| `([A-Za-z]+)` \|", doc, re.MULTILINE)}
    # THEN every added operation is documented, and nothing more
    assert documented == added


def test_docs_list_every_extended_native_call():
    from provisioner.localcloud.services import EXTENDED

    # GIVEN the native moto calls whose behaviour the extensions change
    # WHEN the documentation's second table is read
    doc = (PROJECT_ROOT / "docs" / "local-cloud-extensions.md").read_text()
    documented = set(re.findall(r"^\| ([a-z0-9-]+) \| ([^|]+?) \| ([^|]+?) \|$", doc, re.MULTILINE))
    # THEN each change is documented with its reason
    assert set(EXTENDED) <= documented


def test_every_added_operation_exists_in_the_botocore_model():
    import botocore.session

    from provisioner.localcloud.services import install

    # GIVEN the botocore models boto3 uses
    models = botocore.session.get_session()
    # WHEN each added operation is looked up in its service's model
    for entry in install():
        service, operation = entry.split(":")
        # THEN the service knows it (a typo would never be dispatched)
        assert operation in models.get_service_model(service).operation_names, entry


# --- SageMaker ------------------------------------------------------------------------------------------------


def _domain(sm) -> str:
    sm.create_domain(
        DomainName=DOMAIN_NAME, AuthMode="IAM", DefaultUserSettings={"ExecutionRole": ROLE},
        SubnetIds=["subnet-0a1b2c3d4e5f60001"], VpcId="vpc-0a1b2c3d4e5f60001",
    )
    return DOMAIN_ID


USER_SETTINGS = {
    "ExecutionRole": ROLE,
    "DefaultLandingUri": "studio::",
    "StudioWebPortal": "ENABLED",
    "JupyterLabAppSettings": {
        "DefaultResourceSpec": {"InstanceType": "ml.t3.medium"},
        "AppLifecycleManagement": {
            "IdleSettings": {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 90,
                             "MinIdleTimeoutInMinutes": 60, "MaxIdleTimeoutInMinutes": 240}
        },
    },
    "SpaceStorageSettings": {
        "DefaultEbsStorageSettings": {"DefaultEbsVolumeSizeInGb": 20, "MaximumEbsVolumeSizeInGb": 20}
    },
}


def test_user_profile_round_trip(client):
    sm = client("sagemaker")
    domain = _domain(sm)
    # GIVEN a Studio domain
    # WHEN a user profile is created with settings and tags
    arn = call(sm, "CreateUserProfile", DomainId=domain, UserProfileName="carol", UserSettings=USER_SETTINGS,
               Tags=TAGS)["UserProfileArn"]
    # THEN describe returns it in service with the settings as given
    described = call(sm, "DescribeUserProfile", DomainId=domain, UserProfileName="carol")
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/{domain}/carol"
    assert described["Status"] == "InService"
    assert described["UserSettings"] == USER_SETTINGS
    assert described["UserProfileArn"] == arn and described["DomainId"] == domain
    # AND list finds it by domain
    listed = call(sm, "ListUserProfiles", DomainIdEquals=domain)["UserProfiles"]
    assert [p["UserProfileName"] for p in listed] == ["carol"]
    # AND its tags are readable and writable by ARN
    assert call(sm, "ListTags", ResourceArn=arn)["Tags"] == TAGS
    call(sm, "AddTags", ResourceArn=arn, Tags=[{"Key": "owner", "Value": "carol@example.com"}])
    call(sm, "DeleteTags", ResourceArn=arn, TagKeys=["team"])
    assert {t["Key"] for t in call(sm, "ListTags", ResourceArn=arn)["Tags"]} == {"provision:workspace", "owner"}
    # AND an update changes the settings it names
    call(sm, "UpdateUserProfile", DomainId=domain, UserProfileName="carol",
         UserSettings={"DefaultLandingUri": "app:JupyterServer:"})
    updated = call(sm, "DescribeUserProfile", DomainId=domain, UserProfileName="carol")["UserSettings"]
    assert updated["DefaultLandingUri"] == "app:JupyterServer:" and updated["ExecutionRole"] == ROLE
    # AND after delete, describe says ResourceNotFound (what the provider's waiter looks for)
    call(sm, "DeleteUserProfile", DomainId=domain, UserProfileName="carol")
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_user_profile(DomainId=domain, UserProfileName="carol")
    assert call(sm, "ListUserProfiles")["UserProfiles"] == []


def test_fails_when_user_profile_domain_does_not_exist(client):
    sm = client("sagemaker")
    # GIVEN no Studio domain
    # WHEN a user profile is created in a domain id that does not exist
    with pytest.raises(sm.exceptions.ResourceNotFound) as excinfo:
        sm.create_user_profile(DomainId="d-missing0000", UserProfileName="carol")
    # THEN the call fails and names the domain
    assert "d-missing0000" in excinfo.value.response["Error"]["Message"]


def test_fails_when_user_profile_exists(client):
    sm = client("sagemaker")
    domain = _domain(sm)
    # GIVEN a user profile
    sm.create_user_profile(DomainId=domain, UserProfileName="carol")
    # WHEN it is created again
    with pytest.raises(sm.exceptions.ResourceInUse):
        sm.create_user_profile(DomainId=domain, UserProfileName="carol")
    # THEN the second create fails (ResourceInUse) and the first is untouched
    assert sm.describe_user_profile(DomainId=domain, UserProfileName="carol")["Status"] == "InService"


SPACE_SETTINGS = {
    "AppType": "JupyterLab",
    "JupyterLabAppSettings": {
        "DefaultResourceSpec": {"InstanceType": "ml.t3.medium"},
        "AppLifecycleManagement": {"IdleSettings": {"IdleTimeoutInMinutes": 90}},
    },
    "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 20}},
}


def test_space_round_trip(client):
    sm = client("sagemaker")
    domain = _domain(sm)
    sm.create_user_profile(DomainId=domain, UserProfileName="carol")
    # GIVEN a domain and the user profile that will own the space
    # WHEN a shared space is created
    arn = call(sm, "CreateSpace", DomainId=domain, SpaceName="team", SpaceSettings=SPACE_SETTINGS,
               OwnershipSettings={"OwnerUserProfileName": "carol"}, SpaceSharingSettings={"SharingType": "Shared"},
               SpaceDisplayName="churn team", Tags=TAGS)["SpaceArn"]
    # THEN describe returns what was asked for, in service
    described = call(sm, "DescribeSpace", DomainId=domain, SpaceName="team")
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:space/{domain}/team"
    assert described["Status"] == "InService"
    assert described["SpaceSettings"] == SPACE_SETTINGS
    assert described["OwnershipSettings"] == {"OwnerUserProfileName": "carol"}
    assert described["SpaceSharingSettings"] == {"SharingType": "Shared"}
    assert described["SpaceDisplayName"] == "churn team" and described["Url"].startswith("https://")
    # AND list shows a summary
    [summary] = call(sm, "ListSpaces", DomainIdEquals=domain)["Spaces"]
    assert summary["SpaceName"] == "team" and summary["SpaceSettingsSummary"]["AppType"] == "JupyterLab"
    # AND tags work by ARN
    assert call(sm, "ListTags", ResourceArn=arn)["Tags"] == TAGS
    call(sm, "DeleteTags", ResourceArn=arn, TagKeys=["team"])
    assert call(sm, "ListTags", ResourceArn=arn)["Tags"] == TAGS[:1]
    # AND an update changes the display name
    call(sm, "UpdateSpace", DomainId=domain, SpaceName="team", SpaceDisplayName="churn squad")
    assert sm.describe_space(DomainId=domain, SpaceName="team")["SpaceDisplayName"] == "churn squad"
    # AND the owner cannot go while it owns the space; after the space is deleted it can
    with pytest.raises(sm.exceptions.ResourceInUse):
        sm.delete_user_profile(DomainId=domain, UserProfileName="carol")
    call(sm, "DeleteSpace", DomainId=domain, SpaceName="team")
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_space(DomainId=domain, SpaceName="team")
    sm.delete_user_profile(DomainId=domain, UserProfileName="carol")


def test_presigned_domain_url_round_trip(client):
    sm = client("sagemaker")
    domain = _domain(sm)
    sm.create_user_profile(DomainId=domain, UserProfileName="carol")
    # GIVEN a member's profile in the domain
    # WHEN a sign-in URL is asked for it
    url = call(sm, "CreatePresignedDomainUrl", DomainId=domain, UserProfileName="carol",
               ExpiresInSeconds=60)["AuthorizedUrl"]
    # THEN it is the domain's Studio URL with a one-time token, as AWS answers
    assert url.startswith(f"https://{domain}.studio.{REGION}.sagemaker.aws/auth?token=")
    # AND a profile or space that does not exist is ResourceNotFound (what `provision open` explains)
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.create_presigned_domain_url(DomainId=domain, UserProfileName="dave")
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.create_presigned_domain_url(DomainId=domain, UserProfileName="carol", SpaceName="team")


def test_fails_when_space_owner_does_not_exist(client):
    sm = client("sagemaker")
    domain = _domain(sm)
    # GIVEN a domain without user profiles
    # WHEN a space names an owner that does not exist
    with pytest.raises(sm.exceptions.ResourceNotFound) as excinfo:
        sm.create_space(DomainId=domain, SpaceName="team", OwnershipSettings={"OwnerUserProfileName": "nobody"},
                        SpaceSharingSettings={"SharingType": "Shared"})
    # THEN the create fails, naming the owner, and no space exists
    assert "nobody" in excinfo.value.response["Error"]["Message"]
    assert sm.list_spaces()["Spaces"] == []


def test_mlflow_tracking_server_round_trip(client):
    sm = client("sagemaker")
    # GIVEN nothing
    # WHEN a tracking server is created
    arn = call(sm, "CreateMlflowTrackingServer", TrackingServerName="churn-mlflow",
               ArtifactStoreUri="s3://acme-churn-artifacts/mlflow", TrackingServerSize="Small", RoleArn=ROLE,
               AutomaticModelRegistration=False, WeeklyMaintenanceWindowStart="Sun:03:00",
               Tags=TAGS)["TrackingServerArn"]
    # THEN it is Created with the fields the provider reads
    described = call(sm, "DescribeMlflowTrackingServer", TrackingServerName="churn-mlflow")
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:mlflow-tracking-server/churn-mlflow"
    assert described["TrackingServerStatus"] == "Created"
    assert described["ArtifactStoreUri"] == "s3://acme-churn-artifacts/mlflow"
    assert described["TrackingServerSize"] == "Small" and described["RoleArn"] == ROLE
    assert described["AutomaticModelRegistration"] is False
    assert described["WeeklyMaintenanceWindowStart"] == "Sun:03:00"
    assert described["TrackingServerUrl"].startswith("https://") and described["MlflowVersion"]
    # AND list and tags find it
    [summary] = call(sm, "ListMlflowTrackingServers")["TrackingServerSummaries"]
    assert summary["TrackingServerArn"] == arn
    assert call(sm, "ListTags", ResourceArn=arn)["Tags"] == TAGS
    # AND an update moves it to Updated with the new size
    call(sm, "UpdateMlflowTrackingServer", TrackingServerName="churn-mlflow", TrackingServerSize="Medium")
    updated = sm.describe_mlflow_tracking_server(TrackingServerName="churn-mlflow")
    assert (updated["TrackingServerStatus"], updated["TrackingServerSize"]) == ("Updated", "Medium")
    # AND after delete it is ResourceNotFound, and a second delete is too (the provider treats that as gone)
    assert call(sm, "DeleteMlflowTrackingServer", TrackingServerName="churn-mlflow")["TrackingServerArn"] == arn
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_mlflow_tracking_server(TrackingServerName="churn-mlflow")
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.delete_mlflow_tracking_server(TrackingServerName="churn-mlflow")


MONITOR_IMAGE = "468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer"
REPORTS = {"S3Output": {"S3Uri": "s3://b/reports", "LocalPath": "/opt/ml/processing/output"}}


def _data_quality_job_definition(sm, name: str, endpoint: str) -> None:
    sm.create_data_quality_job_definition(
        JobDefinitionName=name, RoleArn=ROLE,
        DataQualityAppSpecification={"ImageUri": MONITOR_IMAGE},
        DataQualityJobInput={"EndpointInput": {"EndpointName": endpoint, "LocalPath": "/opt/ml/processing/input"}},
        DataQualityJobOutputConfig={"MonitoringOutputs": [REPORTS]},
        JobResources={"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 20}},
    )


def test_monitoring_schedule_round_trip(client):
    sm = client("sagemaker")
    _data_quality_job_definition(sm, "churn-dq", "churn-endpoint")
    config = {
        "MonitoringJobDefinitionName": "churn-dq",
        "MonitoringType": "DataQuality",
        "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
    }
    # GIVEN a data quality job definition watching an endpoint
    # WHEN a schedule runs it hourly
    arn = call(sm, "CreateMonitoringSchedule", MonitoringScheduleName="churn-dq-hourly",
               MonitoringScheduleConfig=config, Tags=TAGS)["MonitoringScheduleArn"]
    # THEN the schedule is Scheduled, with its config and the endpoint of its job definition
    described = call(sm, "DescribeMonitoringSchedule", MonitoringScheduleName="churn-dq-hourly")
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:monitoring-schedule/churn-dq-hourly"
    assert described["MonitoringScheduleStatus"] == "Scheduled"
    assert described["MonitoringScheduleConfig"] == config
    assert described["MonitoringType"] == "DataQuality" and described["EndpointName"] == "churn-endpoint"
    # AND list filters by endpoint; tags work by ARN
    assert [s["MonitoringScheduleName"] for s in call(sm, "ListMonitoringSchedules", EndpointName="churn-endpoint")[
        "MonitoringScheduleSummaries"]] == ["churn-dq-hourly"]
    assert call(sm, "ListMonitoringSchedules", EndpointName="other")["MonitoringScheduleSummaries"] == []
    assert call(sm, "ListTags", ResourceArn=arn)["Tags"] == TAGS
    # AND an update replaces the schedule expression
    daily = {**config, "ScheduleConfig": {"ScheduleExpression": "cron(0 0 ? * * *)"}}
    call(sm, "UpdateMonitoringSchedule", MonitoringScheduleName="churn-dq-hourly", MonitoringScheduleConfig=daily)
    described = sm.describe_monitoring_schedule(MonitoringScheduleName="churn-dq-hourly")
    assert described["MonitoringScheduleConfig"] == daily
    # AND after delete it is ResourceNotFound
    call(sm, "DeleteMonitoringSchedule", MonitoringScheduleName="churn-dq-hourly")
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.describe_monitoring_schedule(MonitoringScheduleName="churn-dq-hourly")


def test_fails_when_monitoring_job_definition_does_not_exist(client):
    sm = client("sagemaker")
    # GIVEN no job definition
    # WHEN a schedule names one
    with pytest.raises(sm.exceptions.ResourceNotFound):
        sm.create_monitoring_schedule(MonitoringScheduleName="orphan", MonitoringScheduleConfig={
            "MonitoringJobDefinitionName": "missing", "MonitoringType": "DataQuality",
            "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"}})
    # THEN no schedule was stored
    assert sm.list_monitoring_schedules()["MonitoringScheduleSummaries"] == []


def test_model_package_group_delete_round_trip(client):
    sm = client("sagemaker")
    # GIVEN a model package group
    sm.create_model_package_group(ModelPackageGroupName="churn-models", Tags=TAGS)
    # WHEN it is deleted
    call(sm, "DeleteModelPackageGroup", ModelPackageGroupName="churn-models")
    # THEN describe fails with the ValidationException "... does not exist." the provider looks for
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.describe_model_package_group(ModelPackageGroupName="churn-models")
    assert error_code(excinfo) == "ValidationException"
    assert "does not exist" in excinfo.value.response["Error"]["Message"]
    # AND deleting it again says the same (the provider then treats it as gone)
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.delete_model_package_group(ModelPackageGroupName="churn-models")
    assert "does not exist" in excinfo.value.response["Error"]["Message"]


def test_fails_when_model_package_group_still_has_versions(client):
    sm = client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="churn-models")
    sm.create_model_package(
        ModelPackageGroupName="churn-models",
        InferenceSpecification={"Containers": [{"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:1"}],
                                "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
    )
    # GIVEN a group holding a model version
    # WHEN the group is deleted
    with pytest.raises(sm.exceptions.ConflictException):
        sm.delete_model_package_group(ModelPackageGroupName="churn-models")
    # THEN it refuses, and the group is still there
    assert sm.describe_model_package_group(ModelPackageGroupName="churn-models")["ModelPackageGroupStatus"]


def test_model_package_delete_round_trip(client):
    sm = client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="churn-models")
    arn = sm.create_model_package(
        ModelPackageGroupName="churn-models",
        InferenceSpecification={"Containers": [{"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:1"}],
                                "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
    )["ModelPackageArn"]
    # GIVEN a group holding one version
    # WHEN the version is deleted
    call(sm, "DeleteModelPackage", ModelPackageName=arn)
    # THEN it is gone, and the empty group can be deleted
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.describe_model_package(ModelPackageName=arn)
    assert error_code(excinfo) == "ValidationException"
    assert sm.list_model_packages(ModelPackageGroupName="churn-models")["ModelPackageSummaryList"] == []
    sm.delete_model_package_group(ModelPackageGroupName="churn-models")


def test_fails_when_deleting_a_model_package_that_does_not_exist(client):
    sm = client("sagemaker")
    # GIVEN no such version  WHEN it is deleted  THEN the call fails as AWS fails it
    with pytest.raises(sm.exceptions.ClientError) as excinfo:
        sm.delete_model_package(ModelPackageName="arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-models/9")
    assert error_code(excinfo) == "ValidationException"


def test_a_pipeline_that_does_not_exist_is_resource_not_found_as_aws_answers(client):
    sm = client("sagemaker")
    sm.create_pipeline(PipelineName="churn-monitoring", RoleArn=ROLE, ClientRequestToken="t" * 32,
                       PipelineDefinition=json.dumps({"Version": "2020-12-01", "Steps": []}))
    # GIVEN a pipeline, deleted once
    sm.delete_pipeline(PipelineName="churn-monitoring", ClientRequestToken="u" * 32)
    # WHEN it is described or deleted again (the provider's SDK retries a delete whose answer was lost)
    # THEN both answer ResourceNotFound, which the provider reads as "already gone"
    for again in (lambda: sm.describe_pipeline(PipelineName="churn-monitoring"),
                  lambda: sm.delete_pipeline(PipelineName="churn-monitoring", ClientRequestToken="v" * 32)):
        with pytest.raises(sm.exceptions.ResourceNotFound):
            again()


def test_update_endpoint_round_trip(client):
    sm = client("sagemaker")
    sm.create_model(ModelName="churn-model", ExecutionRoleArn=ROLE,
                    PrimaryContainer={"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:1"})

    def config(name: str, count: int) -> None:
        sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[{
            "VariantName": "champion", "ModelName": "churn-model", "InitialInstanceCount": count,
            "InstanceType": "ml.g4dn.xlarge", "InitialVariantWeight": 1.0}])

    config("churn-config-1", 1)
    config("churn-config-2", 3)
    sm.create_endpoint(EndpointName="churn-endpoint", EndpointConfigName="churn-config-1")
    # GIVEN an endpoint on its first configuration
    # WHEN it is moved to a new configuration
    arn = call(sm, "UpdateEndpoint", EndpointName="churn-endpoint", EndpointConfigName="churn-config-2")["EndpointArn"]
    # THEN it is in service on the new configuration and its variants follow it
    described = sm.describe_endpoint(EndpointName="churn-endpoint")
    assert described["EndpointArn"] == arn and described["EndpointStatus"] == "InService"
    assert described["EndpointConfigName"] == "churn-config-2"
    assert described["ProductionVariants"][0]["DesiredInstanceCount"] == 3
    # AND an update naming a missing configuration fails
    with pytest.raises(sm.exceptions.ClientError):
        sm.update_endpoint(EndpointName="churn-endpoint", EndpointConfigName="missing")


def test_tagging_api_finds_the_added_sagemaker_kinds(client):
    sm, tagging = client("sagemaker"), client("resourcegroupstaggingapi")
    domain = _domain(sm)
    sm.create_user_profile(DomainId=domain, UserProfileName="carol", Tags=TAGS)
    sm.create_mlflow_tracking_server(TrackingServerName="churn-mlflow", ArtifactStoreUri="s3://b/mlflow",
                                     RoleArn=ROLE, Tags=TAGS)
    # GIVEN workspace-tagged resources of the added kinds
    # WHEN the inventory asks the Resource Groups Tagging API for the workspace's resources
    found = tagging.get_resources(TagFilters=[{"Key": "provision:workspace", "Values": ["churn"]}])
    # THEN both are listed
    arns = {r["ResourceARN"] for r in found["ResourceTagMappingList"]}
    assert {f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/{domain}/carol",
            f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:mlflow-tracking-server/churn-mlflow"} <= arns


# --- Budgets --------------------------------------------------------------------------------------------------

NOTIFICATION = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80.0,
                "ThresholdType": "PERCENTAGE"}
SUBSCRIBERS = [{"SubscriptionType": "EMAIL", "Address": "alice@example.com"},
               {"SubscriptionType": "SNS", "Address": f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"}]


def _budget(budgets, name: str = "churn-budget") -> str:
    budgets.create_budget(
        AccountId=ACCOUNT,
        Budget={"BudgetName": name, "BudgetLimit": {"Amount": "1500.00", "Unit": "USD"}, "TimeUnit": "MONTHLY",
                "BudgetType": "COST", "CostFilters": {"TagKeyValue": ["user:provision:workspace$churn"]}},
        NotificationsWithSubscribers=[{"Notification": NOTIFICATION, "Subscribers": SUBSCRIBERS}],
        ResourceTags=TAGS,
    )
    return f"arn:aws:budgets::{ACCOUNT}:budget/{name}"


def test_budget_subscribers_and_tags_round_trip(client):
    budgets = client("budgets")
    # GIVEN a budget created with a notification, its subscribers and tags
    arn = _budget(budgets)
    # WHEN the provider's read asks for the notification's subscribers and the budget's tags
    [notification] = budgets.describe_notifications_for_budget(
        AccountId=ACCOUNT, BudgetName="churn-budget")["Notifications"]
    subscribers = call(budgets, "DescribeSubscribersForNotification", AccountId=ACCOUNT, BudgetName="churn-budget",
                       Notification=notification)["Subscribers"]
    # THEN both come back as created
    assert subscribers == SUBSCRIBERS
    assert call(budgets, "ListTagsForResource", ResourceARN=arn)["ResourceTags"] == TAGS
    # AND tags can be changed
    call(budgets, "TagResource", ResourceARN=arn, ResourceTags=[{"Key": "owner", "Value": "alice@example.com"}])
    call(budgets, "UntagResource", ResourceARN=arn, ResourceTagKeys=["team"])
    assert {t["Key"] for t in budgets.list_tags_for_resource(ResourceARN=arn)["ResourceTags"]} == {
        "provision:workspace", "owner"}
    # AND an update changes the limit
    call(budgets, "UpdateBudget", AccountId=ACCOUNT, NewBudget={
        "BudgetName": "churn-budget", "BudgetLimit": {"Amount": "2000.00", "Unit": "USD"}, "TimeUnit": "MONTHLY",
        "BudgetType": "COST"})
    budget = budgets.describe_budget(AccountId=ACCOUNT, BudgetName="churn-budget")["Budget"]
    assert budget["BudgetLimit"]["Amount"] == "2000.00"
    # AND after delete every read says NotFoundException (what the provider's read looks for)
    budgets.delete_budget(AccountId=ACCOUNT, BudgetName="churn-budget")
    for read in (
        lambda: budgets.describe_subscribers_for_notification(AccountId=ACCOUNT, BudgetName="churn-budget",
                                                              Notification=NOTIFICATION),
        lambda: budgets.describe_notifications_for_budget(AccountId=ACCOUNT, BudgetName="churn-budget"),
        lambda: budgets.list_tags_for_resource(ResourceARN=arn),
    ):
        with pytest.raises(budgets.exceptions.NotFoundException):
            read()


def test_fails_when_budget_notification_does_not_exist(client):
    budgets = client("budgets")
    _budget(budgets)
    # GIVEN a budget with an 80 % ACTUAL notification
    # WHEN the subscribers of a 100 % FORECASTED notification are asked for
    with pytest.raises(budgets.exceptions.NotFoundException):
        budgets.describe_subscribers_for_notification(
            AccountId=ACCOUNT, BudgetName="churn-budget",
            Notification={**NOTIFICATION, "NotificationType": "FORECASTED", "Threshold": 100.0})
    # THEN the call fails with NotFoundException


def test_fails_when_updating_a_missing_budget(client):
    budgets = client("budgets")
    # GIVEN no budget
    # WHEN one is updated
    with pytest.raises(budgets.exceptions.NotFoundException):
        budgets.update_budget(AccountId=ACCOUNT, NewBudget={
            "BudgetName": "missing", "BudgetLimit": {"Amount": "1", "Unit": "USD"}, "TimeUnit": "MONTHLY",
            "BudgetType": "COST"})
    # THEN the update fails with NotFoundException


# --- Application Auto Scaling ---------------------------------------------------------------------------------


def test_scalable_target_tags_round_trip(client):
    scaling = client("application-autoscaling")
    resource = "endpoint/churn-endpoint/variant/champion"
    # GIVEN a SageMaker variant registered as a scalable target with tags
    arn = scaling.register_scalable_target(
        ServiceNamespace="sagemaker", ResourceId=resource, ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=1, MaxCapacity=4, Tags={"provision:workspace": "churn", "team": "growth"},
    )["ScalableTargetARN"]
    # WHEN its tags are read and changed by the target's ARN
    assert call(scaling, "ListTagsForResource", ResourceARN=arn)["Tags"] == {
        "provision:workspace": "churn", "team": "growth"}
    call(scaling, "TagResource", ResourceARN=arn, Tags={"owner": "alice@example.com"})
    call(scaling, "UntagResource", ResourceARN=arn, TagKeys=["team"])
    # THEN the target's tags follow
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"provision:workspace": "churn",
                                                                       "owner": "alice@example.com"}
    # AND re-registering (an update of capacity) keeps the ARN and its tags
    again = scaling.register_scalable_target(
        ServiceNamespace="sagemaker", ResourceId=resource, ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=2, MaxCapacity=4)["ScalableTargetARN"]
    assert again == arn and scaling.list_tags_for_resource(ResourceARN=arn)["Tags"]["owner"] == "alice@example.com"
    # AND once deregistered, the ARN is ResourceNotFoundException
    scaling.deregister_scalable_target(ServiceNamespace="sagemaker", ResourceId=resource,
                                       ScalableDimension="sagemaker:variant:DesiredInstanceCount")
    with pytest.raises(scaling.exceptions.ResourceNotFoundException):
        scaling.list_tags_for_resource(ResourceARN=arn)


def test_a_scalable_target_or_policy_that_is_not_there_is_object_not_found_as_aws_answers(client):
    scaling = client("application-autoscaling")
    target = {"ServiceNamespace": "sagemaker", "ResourceId": "endpoint/churn-endpoint/variant/champion",
              "ScalableDimension": "sagemaker:variant:DesiredInstanceCount"}
    scaling.register_scalable_target(**target, MinCapacity=1, MaxCapacity=4)
    scaling.put_scaling_policy(PolicyName="invocations", PolicyType="TargetTrackingScaling", **target,
                               TargetTrackingScalingPolicyConfiguration={"TargetValue": 70.0, "PredefinedMetricSpecification": {
                                   "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}})
    # GIVEN a policy and its target, each deleted once
    scaling.delete_scaling_policy(PolicyName="invocations", **target)
    scaling.deregister_scalable_target(**target)
    # WHEN each is deleted again (the provider's SDK retries a delete whose answer was lost)
    # THEN both answer ObjectNotFoundException, which the provider reads as "already gone"
    with pytest.raises(scaling.exceptions.ObjectNotFoundException):
        scaling.delete_scaling_policy(PolicyName="invocations", **target)
    with pytest.raises(scaling.exceptions.ObjectNotFoundException):
        scaling.deregister_scalable_target(**target)


# --- CloudWatch Logs ------------------------------------------------------------------------------------------


def test_log_group_kms_key_and_deletion_protection_round_trip(client):
    logs = client("logs")
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    logs.create_log_group(logGroupName="churn-logs")
    # GIVEN a log group without a key
    # WHEN a key is associated and deletion protection switched on
    call(logs, "AssociateKmsKey", logGroupName="churn-logs", kmsKeyId=key)
    arn = logs.describe_log_groups(logGroupNamePrefix="churn-logs")["logGroups"][0]["logGroupArn"]
    call(logs, "PutLogGroupDeletionProtection", logGroupIdentifier=arn, deletionProtectionEnabled=True)
    # THEN describe shows both
    [group] = logs.describe_log_groups(logGroupNamePrefix="churn-logs")["logGroups"]
    assert group["kmsKeyId"] == key and group["deletionProtectionEnabled"] is True
    assert group["logGroupClass"] == "STANDARD"
    # AND the protected group refuses deletion until protection is off
    with pytest.raises(logs.exceptions.InvalidOperationException):
        logs.delete_log_group(logGroupName="churn-logs")
    logs.put_log_group_deletion_protection(logGroupIdentifier="churn-logs", deletionProtectionEnabled=False)
    # AND the key can be removed
    call(logs, "DisassociateKmsKey", logGroupName="churn-logs")
    assert "kmsKeyId" not in logs.describe_log_groups(logGroupNamePrefix="churn-logs")["logGroups"][0]
    logs.delete_log_group(logGroupName="churn-logs")
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.associate_kms_key(logGroupName="churn-logs", kmsKeyId=key)


# --- native calls whose behaviour the extensions correct ------------------------------------------------------


def test_a_model_without_vpc_config_is_described_without_one(client):
    sm = client("sagemaker")
    # GIVEN a model created without VpcConfig (every served model outside a VPC)
    sm.create_model(ModelName="churn-model", ExecutionRoleArn=ROLE,
                    PrimaryContainer={"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:1"})
    # WHEN it is described  THEN it has no VpcConfig at all, as on AWS (an empty one reads as a block)
    assert "VpcConfig" not in sm.describe_model(ModelName="churn-model")


DEPLOYMENT = {
    "BlueGreenUpdatePolicy": {
        "TrafficRoutingConfiguration": {"Type": "CANARY", "WaitIntervalInSeconds": 900,
                                        "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 20}},
        "TerminationWaitInSeconds": 0, "MaximumExecutionTimeoutInSeconds": 3600},
    "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "churn-5xx-rate"}]},
}


def test_an_endpoint_keeps_its_deployment_config_through_create_and_update(client):
    sm = client("sagemaker")
    sm.create_model(ModelName="churn-model", ExecutionRoleArn=ROLE,
                    PrimaryContainer={"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:1"})
    for name in ("churn-config-1", "churn-config-2"):
        sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[{
            "VariantName": "primary", "ModelName": "churn-model", "InitialInstanceCount": 1,
            "InstanceType": "ml.m5.large", "InitialVariantWeight": 1.0}])
    # GIVEN an endpoint created with a canary rollout that rolls back on an alarm
    sm.create_endpoint(EndpointName="churn-endpoint", EndpointConfigName="churn-config-1", DeploymentConfig=DEPLOYMENT)
    # WHEN it is described  THEN the rollout is there, as LastDeploymentConfig (what the provider reads)
    assert sm.describe_endpoint(EndpointName="churn-endpoint")["LastDeploymentConfig"] == DEPLOYMENT
    # AND an update with another rollout replaces it
    linear = {**DEPLOYMENT, "BlueGreenUpdatePolicy": {**DEPLOYMENT["BlueGreenUpdatePolicy"], "TrafficRoutingConfiguration": {
        "Type": "LINEAR", "WaitIntervalInSeconds": 600, "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 20}}}}
    call(sm, "UpdateEndpoint", EndpointName="churn-endpoint", EndpointConfigName="churn-config-2",
         DeploymentConfig=linear)
    assert sm.describe_endpoint(EndpointName="churn-endpoint")["LastDeploymentConfig"] == linear


def test_create_model_keeps_network_isolation(client):
    sm = client("sagemaker")
    # GIVEN a model created with network isolation, as every served model is
    sm.create_model(ModelName="churn-model", ExecutionRoleArn=ROLE, EnableNetworkIsolation=True,
                    PrimaryContainer={"ModelPackageName": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/c/1"},
                    VpcConfig={"SecurityGroupIds": ["sg-0a1b2c3d4e5f60001"], "Subnets": ["subnet-0a1b2c3d4e5f60001"]})
    # WHEN it is read back
    described = call(sm, "DescribeModel", ModelName="churn-model")
    # THEN the isolation is still on (else the provider would replace the model on every run)
    assert described["EnableNetworkIsolation"] is True


def test_add_tags_overwrites_a_key_already_there(client):
    sm = client("sagemaker")
    arn = sm.create_model_package_group(ModelPackageGroupName="churn-models", Tags=TAGS)["ModelPackageGroupArn"]
    # GIVEN a resource tagged team=growth
    # WHEN the provider updates that tag's value
    call(sm, "AddTags", ResourceArn=arn, Tags=[{"Key": "team", "Value": "retention"}])
    # THEN the resource has one team tag, with the new value
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [TAGS[0], {"Key": "team", "Value": "retention"}]


def test_tagging_api_answers_endpoint_configuration_arns_as_strings(client):
    sm, tagging = client("sagemaker"), client("resourcegroupstaggingapi")
    sm.create_model(ModelName="churn-model", ExecutionRoleArn=ROLE,
                    PrimaryContainer={"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:1"})
    sm.create_endpoint_config(EndpointConfigName="churn-config", Tags=TAGS, ProductionVariants=[{
        "VariantName": "champion", "ModelName": "churn-model", "InitialInstanceCount": 1,
        "InstanceType": "ml.g4dn.xlarge"}])
    # GIVEN a tagged endpoint configuration
    # WHEN the workspace's resources are listed through the tagging API
    found = call(tagging, "GetResources", TagFilters=[{"Key": "provision:workspace", "Values": ["churn"]}])
    # THEN its ARN is the ARN, not the text of a Python tuple
    assert [r["ResourceARN"] for r in found["ResourceTagMappingList"]] == [
        f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint-config/churn-config"]


def test_key_rotation_keeps_its_period(client):
    kms = client("kms")
    key = kms.create_key(Description="workspace key")["KeyMetadata"]["KeyId"]
    # GIVEN a key whose rotation is enabled with a 365-day period, as the provider does
    kms.enable_key_rotation(KeyId=key, RotationPeriodInDays=365)
    # WHEN its rotation status is read
    status = call(kms, "GetKeyRotationStatus", KeyId=key)
    # THEN the period comes back (the provider compares it with rotation_period_in_days)
    assert (status["KeyRotationEnabled"], status["RotationPeriodInDays"], status["KeyId"]) == (True, 365, key)
    # AND a disabled rotation has no period
    kms.disable_key_rotation(KeyId=key)
    assert "RotationPeriodInDays" not in kms.get_key_rotation_status(KeyId=key)


def test_bucket_logging_accepts_a_target_with_policy_based_delivery(client):
    import json

    s3 = client("s3")
    config = {"LocationConstraint": REGION}
    s3.create_bucket(Bucket="churn-access-logs", CreateBucketConfiguration=config)
    s3.create_bucket(Bucket="churn-data", CreateBucketConfiguration=config)
    s3.put_bucket_ownership_controls(Bucket="churn-access-logs",
                                     OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    s3.put_bucket_policy(Bucket="churn-access-logs", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": ["arn:aws:s3:::churn-access-logs", "arn:aws:s3:::churn-access-logs/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
    # GIVEN an access-log bucket with ACLs disabled and a deny-insecure-transport policy (Principal "*")
    # WHEN the data bucket sends its access logs there
    s3.put_bucket_logging(Bucket="churn-data", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "churn-access-logs", "TargetPrefix": "churn-data/"}})
    # THEN logging is configured, as AWS accepts it
    assert s3.get_bucket_logging(Bucket="churn-data")["LoggingEnabled"] == {
        "TargetBucket": "churn-access-logs", "TargetPrefix": "churn-data/"}


def test_fails_when_bucket_logging_target_does_not_exist(client):
    s3 = client("s3")
    s3.create_bucket(Bucket="churn-data", CreateBucketConfiguration={"LocationConstraint": REGION})
    # GIVEN no access-log bucket
    # WHEN logging points at it
    with pytest.raises(s3.exceptions.ClientError) as excinfo:
        s3.put_bucket_logging(Bucket="churn-data", BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": "missing-logs", "TargetPrefix": "churn-data/"}})
    # THEN the call fails as AWS fails it
    assert error_code(excinfo) == "InvalidTargetBucketForLogging"


def _tls_only_policy(bucket: str, *extra: dict) -> str:
    import json

    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "DenyTlsOlderThan12", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
         "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}}, *extra]})


def test_objects_go_into_a_bucket_whose_policy_denies_only_insecure_transport(client):
    s3 = client("s3")
    s3.create_bucket(Bucket="churn-data", CreateBucketConfiguration={"LocationConstraint": REGION})
    # GIVEN a bucket with provision's TLS-only policy (Deny on aws:SecureTransport false, on TLS older than 1.2)
    s3.put_bucket_policy(Bucket="churn-data", Policy=_tls_only_policy("churn-data"))
    # WHEN an object is put and read back
    s3.put_object(Bucket="churn-data", Key="monitoring/code/evaluate.py", Body=b"print('hi')")
    # THEN both work: the conditions do not hold, so the Deny statements do not apply (as on AWS over TLS)
    assert s3.get_object(Bucket="churn-data", Key="monitoring/code/evaluate.py")["Body"].read() == b"print('hi')"


def test_fails_when_a_bucket_policy_denies_object_writes_without_a_condition(client):
    s3 = client("s3")
    s3.create_bucket(Bucket="churn-data", CreateBucketConfiguration={"LocationConstraint": REGION})
    # GIVEN a TLS-only policy plus an unconditional Deny of PutObject under frozen/
    s3.put_bucket_policy(Bucket="churn-data", Policy=_tls_only_policy("churn-data", {
        "Sid": "Frozen", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::churn-data/frozen/*"}))
    # WHEN an object is put there  THEN access is denied: unconditioned statements still apply
    with pytest.raises(s3.exceptions.ClientError) as excinfo:
        s3.put_object(Bucket="churn-data", Key="frozen/a.txt", Body=b"x")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    # AND elsewhere in the bucket writes work
    s3.put_object(Bucket="churn-data", Key="open/a.txt", Body=b"x")


# --- CloudWatch over Smithy RPC v2 CBOR (what the AWS provider's Go SDK sends) ---------------------------------


def _cbor_call(endpoint: str, operation: str, **params: Any) -> tuple[int, dict[str, str], dict]:
    """One CloudWatch call the way aws-sdk-go-v2 makes it: CBOR body, RPC v2 path, SigV4; the answer decoded."""
    import botocore.session
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from botocore.parsers import RpcV2CBORParser
    from botocore.serialize import RpcV2CBORSerializer

    model = botocore.session.get_session().get_service_model("cloudwatch").operation_model(operation)
    serialized = RpcV2CBORSerializer().serialize_to_request(params, model)
    request = AWSRequest(method="POST", url=endpoint + serialized["url_path"], data=serialized["body"],
                         headers=dict(serialized["headers"]))
    SigV4Auth(Credentials("testing", "testing"), "monitoring", REGION).add_auth(request)
    prepared = request.prepare()
    http = urllib.request.Request(prepared.url, data=prepared.body, headers=dict(prepared.headers), method="POST")
    try:
        with urllib.request.urlopen(http, timeout=10) as answer:
            status, headers, body = answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as failed:
        status, headers, body = failed.code, dict(failed.headers), failed.read()
    parsed = RpcV2CBORParser().parse({"body": body, "headers": headers, "status_code": status}, model.output_shape)
    return status, headers, parsed


def test_cloudwatch_alarms_and_dashboards_round_trip_over_cbor(extended_moto: str, client):
    import json

    alarm = {"AlarmName": "churn-5xx-rate", "Namespace": "AWS/SageMaker", "MetricName": "Invocation5XXErrors",
             "Dimensions": [{"Name": "EndpointName", "Value": "churn"}, {"Name": "VariantName", "Value": "primary"}],
             "Statistic": "Sum", "Period": 300, "EvaluationPeriods": 2, "Threshold": 5.0,
             "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
             "AlarmActions": ["arn:aws:sns:eu-west-1:123456789012:churn-alerts"],
             "Tags": [{"Key": "provision:workspace", "Value": "churn"}]}
    # GIVEN an alarm and a dashboard put over CBOR, as the AWS provider puts them
    status, headers, _ = _cbor_call(extended_moto, "PutMetricAlarm", **alarm)
    assert status == 200 and headers.get("smithy-protocol") == "rpc-v2-cbor"
    body = json.dumps({"widgets": [{"type": "text", "x": 0, "y": 0, "width": 6, "height": 2,
                                    "properties": {"markdown": "churn"}}]})
    assert _cbor_call(extended_moto, "PutDashboard", DashboardName="churn", DashboardBody=body)[0] == 200
    # WHEN they are read back over CBOR
    _, _, described = _cbor_call(extended_moto, "DescribeAlarms", AlarmNames=["churn-5xx-rate"])
    _, _, dashboard = _cbor_call(extended_moto, "GetDashboard", DashboardName="churn")
    _, _, tags = _cbor_call(extended_moto, "ListTagsForResource", ResourceARN=described["MetricAlarms"][0]["AlarmArn"])
    # THEN they are what was put, timestamps as timestamps, and boto3 (JSON) sees the same alarm
    found = described["MetricAlarms"][0]
    assert (found["AlarmName"], found["Threshold"], found["Dimensions"]) == ("churn-5xx-rate", 5.0, alarm["Dimensions"])
    assert isinstance(found["AlarmConfigurationUpdatedTimestamp"], datetime.datetime)
    assert json.loads(dashboard["DashboardBody"]) == json.loads(body)
    assert tags["Tags"] == alarm["Tags"]
    assert client("cloudwatch").describe_alarms()["MetricAlarms"][0]["AlarmName"] == "churn-5xx-rate"
    # AND deleting works over CBOR too
    assert _cbor_call(extended_moto, "DeleteAlarms", AlarmNames=["churn-5xx-rate"])[0] == 200
    assert _cbor_call(extended_moto, "DescribeAlarms")[2]["MetricAlarms"] == []


def test_fails_over_cbor_with_the_error_code_the_sdk_reads(extended_moto: str, client):
    # GIVEN no dashboard  WHEN it is read over CBOR
    status, headers, parsed = _cbor_call(extended_moto, "GetDashboard", DashboardName="missing")
    # THEN the error is CBOR with the code in __type, which the provider maps to "not found"
    assert status >= 400 and headers.get("smithy-protocol") == "rpc-v2-cbor"
    assert parsed["Error"]["Code"] == "ResourceNotFound"


def test_a_bucket_created_with_tags_has_them(client, extended_moto: str):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    # GIVEN a CreateBucket whose configuration carries tags, as the AWS provider sends it (boto3 cannot yet)
    body = (b'<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            b"<LocationConstraint>eu-west-1</LocationConstraint><Tags><Tag><Key>provision:workspace</Key>"
            b"<Value>churn</Value></Tag><Tag><Key>team</Key><Value>research</Value></Tag></Tags>"
            b"</CreateBucketConfiguration>")
    request = AWSRequest(method="PUT", url=f"{extended_moto}/churn-data", data=body,
                         headers={"Content-Type": "application/xml"})
    SigV4Auth(Credentials("testing", "testing"), "s3", REGION).add_auth(request)
    prepared = request.prepare()
    with urllib.request.urlopen(urllib.request.Request(prepared.url, data=prepared.body, method="PUT",
                                                       headers=dict(prepared.headers)), timeout=10) as answer:
        assert answer.status == 200
    # WHEN its tags are read  THEN they are the ones it was created with
    assert client("s3").get_bucket_tagging(Bucket="churn-data")["TagSet"] == [
        {"Key": "provision:workspace", "Value": "churn"}, {"Key": "team", "Value": "research"}]
