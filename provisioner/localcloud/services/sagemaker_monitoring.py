"""SageMaker Model Monitor: monitoring schedules, which moto 5.2.5 does not implement.

Adds (the AWS behaviour followed: the SageMaker API Reference,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_<Operation>.html):

- CreateMonitoringSchedule / DescribeMonitoringSchedule / UpdateMonitoringSchedule /
  DeleteMonitoringSchedule / ListMonitoringSchedules: aws_sagemaker_monitoring_schedule (the monitoring
  capability's Model Monitor engine). A schedule's named job definition must exist (moto stores data,
  model quality, bias and explainability job definitions), else ResourceNotFound; the schedule answers
  the endpoint its job definition watches, which ListMonitoringSchedules filters on.

A schedule is `Scheduled` at once and never runs here: the monitoring-pipeline engine
(SageMaker pipelines, which moto implements) is what `provision monitoring run` starts on the local cloud.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from provisioner.localcloud.services._moto import Extension, Operation, add_operations, graft, state
from provisioner.localcloud.services._sagemaker import Kind, Resource, listed, register_kind

OPERATIONS: tuple[Operation, ...] = (
    Operation("sagemaker", "CreateMonitoringSchedule", "aws_sagemaker_monitoring_schedule create"),
    Operation("sagemaker", "DescribeMonitoringSchedule", "aws_sagemaker_monitoring_schedule read and waiters"),
    Operation("sagemaker", "UpdateMonitoringSchedule",
              "aws_sagemaker_monitoring_schedule update of monitoring_schedule_config"),
    Operation("sagemaker", "DeleteMonitoringSchedule", "aws_sagemaker_monitoring_schedule destroy"),
    Operation("sagemaker", "ListMonitoringSchedules", "completes the kind: lists schedules, by endpoint or job definition"),
)

EXTENDED: tuple[Extension, ...] = ()

# MonitoringType -> (moto's store of that kind of job definition on the backend, the definition's input attribute)
JOB_DEFINITION_STORES = {
    "DataQuality": ("data_quality_job_definitions", "data_quality_job_input"),
    "ModelQuality": ("model_quality_job_definitions", "model_quality_job_input"),
    "ModelBias": ("model_bias_job_definitions", "model_bias_job_input"),
    "ModelExplainability": ("model_explainability_job_definitions", "model_explainability_job_input"),
}


class FakeMonitoringSchedule(Resource):
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


def _monitored_endpoint(backend: Any, config: dict[str, Any]) -> str | None:
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
        raise ValidationError("MonitoringScheduleConfig needs MonitoringJobDefinition or MonitoringJobDefinitionName.")
    store_name, input_attr = JOB_DEFINITION_STORES[monitoring_type]
    definition = getattr(backend, store_name, {}).get(name)
    if definition is None:
        raise ResourceNotFound(f"Job definition {name} of type {monitoring_type} not found")
    job_input = getattr(definition, input_attr, None) or {}
    return (job_input.get("EndpointInput") or {}).get("EndpointName")


class MonitoringBackend:
    """Grafted onto moto's SageMakerModelBackend: the monitoring schedules of each account and region."""

    ext_monitoring_schedules: dict[str, FakeMonitoringSchedule] = state(dict)  # name -> schedule

    def create_monitoring_schedule(self: Any, params: dict[str, Any]) -> FakeMonitoringSchedule:
        name = params["MonitoringScheduleName"]
        if name in self.ext_monitoring_schedules:
            raise ResourceInUseException(f"Resource Already Exists: MonitoringSchedule with name {name} already exists.")
        endpoint = _monitored_endpoint(self, params["MonitoringScheduleConfig"])
        schedule = self.ext_monitoring_schedules[name] = FakeMonitoringSchedule(self, params, endpoint)
        return schedule

    def describe_monitoring_schedule(self: Any, name: str) -> FakeMonitoringSchedule:
        schedule = self.ext_monitoring_schedules.get(name)
        if schedule is None:
            raise ResourceNotFound(f"Monitoring schedule {name} does not exist.")
        return schedule

    def update_monitoring_schedule(self: Any, name: str, config: dict[str, Any]) -> FakeMonitoringSchedule:
        schedule = self.describe_monitoring_schedule(name)
        schedule.endpoint_name = _monitored_endpoint(self, config)
        schedule.config = config
        schedule.touch()
        return schedule

    def delete_monitoring_schedule(self: Any, name: str) -> None:
        self.describe_monitoring_schedule(name)
        del self.ext_monitoring_schedules[name]

    def list_monitoring_schedules(self: Any, filters: dict[str, Any]) -> list[FakeMonitoringSchedule]:
        def keep(s: FakeMonitoringSchedule) -> bool:
            return (
                (not filters.get("EndpointName") or s.endpoint_name == filters["EndpointName"])
                and (not filters.get("NameContains") or filters["NameContains"] in s.name)
                and (not filters.get("StatusEquals") or s.status == filters["StatusEquals"])
                and (not filters.get("MonitoringJobDefinitionName")
                     or s.config.get("MonitoringJobDefinitionName") == filters["MonitoringJobDefinitionName"])
                and (not filters.get("MonitoringTypeEquals") or s.monitoring_type == filters["MonitoringTypeEquals"])
            )

        return [s for s in self.ext_monitoring_schedules.values() if keep(s)]


class MonitoringResponse:
    """Grafted onto moto's SageMakerResponse: one handler per operation."""

    def create_monitoring_schedule(self: Any) -> ActionResult:
        schedule = self.sagemaker_backend.create_monitoring_schedule(self._get_params())
        return ActionResult({"MonitoringScheduleArn": schedule.arn})

    def describe_monitoring_schedule(self: Any) -> ActionResult:
        schedule = self.sagemaker_backend.describe_monitoring_schedule(self._get_param("MonitoringScheduleName"))
        return ActionResult(schedule.describe())

    def update_monitoring_schedule(self: Any) -> ActionResult:
        schedule = self.sagemaker_backend.update_monitoring_schedule(
            self._get_param("MonitoringScheduleName"), self._get_param("MonitoringScheduleConfig"))
        return ActionResult({"MonitoringScheduleArn": schedule.arn})

    def delete_monitoring_schedule(self: Any) -> ActionResult:
        self.sagemaker_backend.delete_monitoring_schedule(self._get_param("MonitoringScheduleName"))
        return EmptyResult()

    def list_monitoring_schedules(self: Any) -> ActionResult:
        found = self.sagemaker_backend.list_monitoring_schedules(self._get_params())
        chunk, token = listed(self, found)
        return ActionResult({"MonitoringScheduleSummaries": [s.summary() for s in chunk], "NextToken": token})


register_kind(Kind(FakeMonitoringSchedule.kind,
                   lambda backend, resource_id: backend.ext_monitoring_schedules.get(resource_id),
                   lambda backend: backend.ext_monitoring_schedules.values()))


def install() -> list[str]:
    graft(SageMakerModelBackend, MonitoringBackend)
    return add_operations(SageMakerResponse, MonitoringResponse, OPERATIONS)
