"""Status: the live state of one workspace, read from AWS.

    status = workspace_status(ctx)       # ctx: a resolved WorkspaceContext

Resources are found by tags (`provision:org`, `provision:workspace`,
`provision:environment`), not by names, so the answer does not depend on how
infra/ names things. The Tagging API lists only resources that carry tags of
their own (buckets, keys, roles, endpoints, jobs, alarms, ...), not the
policies, bucket settings and attachments that make up most of a workspace's
Terraform resources: `kinds` says what it saw. Reported:

- endpoints: status, and per production variant its instance type, current
  and desired weight and instance count, and variant status;
- training jobs created in the last `since_days` days (newest `limit`);
- model registry groups with their newest `limit` versions and approval state;
- CloudWatch alarms in ALARM.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from provisioner.runtime import clock
from provisioner.cloud.access import access_for
from provisioner.cloud.aws import Aws, aws_errors, error_code
from provisioner.cloud.resources import (
    TAG_ENVIRONMENT, TAG_ORG, TAG_WORKSPACE, LiveResource, tagged_resources, without_keys_pending_deletion,
)
from provisioner.ds.workspace import check_account
from provisioner.models.resolved import WorkspaceContext


@dataclass(frozen=True)
class Variant:
    name: str
    instance_type: str | None
    current_weight: float | None
    desired_weight: float | None
    current_instances: int | None
    desired_instances: int | None
    status: str  # the latest variant status, or "-" when AWS reports none


@dataclass(frozen=True)
class Endpoint:
    name: str
    status: str
    config: str
    variants: tuple[Variant, ...]
    failure_reason: str | None = None
    last_modified: dt.datetime | None = None


@dataclass(frozen=True)
class TrainingJob:
    name: str
    status: str
    created: dt.datetime | None
    ended: dt.datetime | None
    secondary_status: str | None = None


@dataclass(frozen=True)
class ModelVersion:
    version: int | None
    approval: str
    status: str
    created: dt.datetime | None
    arn: str


@dataclass(frozen=True)
class ModelGroup:
    name: str
    versions: tuple[ModelVersion, ...]


@dataclass(frozen=True)
class Alarm:
    name: str
    reason: str
    since: dt.datetime | None
    metric: str | None


@dataclass
class WorkspaceStatus:
    workspace: str
    environment: str
    account_id: str
    region: str
    expires: dt.date | None
    resources: list[LiveResource] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    training_jobs: list[TrainingJob] = field(default_factory=list)
    registry: list[ModelGroup] = field(default_factory=list)
    alarms: list[Alarm] = field(default_factory=list)

    @property
    def kinds(self) -> dict[str, int]:
        """How many tagged resources of each kind (`s3:bucket`: 3): what the Tagging API could see."""
        counts: dict[str, int] = {}
        for resource in self.resources:
            counts[resource.type] = counts.get(resource.type, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["resources"] = [r.to_dict() for r in self.resources]
        data["kinds"] = self.kinds
        return data


def workspace_status(ctx: WorkspaceContext, *, aws: Aws | None = None, since_days: int = 30,
                     limit: int = 10) -> WorkspaceStatus:
    aws = aws or access_for(ctx).aws()
    check_account(aws, ctx)
    status = WorkspaceStatus(ctx.name, ctx.environment, ctx.account_id, ctx.region, ctx.expires)
    region = ctx.region
    filters = {TAG_ORG: [ctx.org], TAG_WORKSPACE: [ctx.name], TAG_ENVIRONMENT: [ctx.environment]}
    with aws_errors(f"listing the resources of workspace {ctx.name} in {region}"):
        status.resources, _ = without_keys_pending_deletion(
            aws.client("kms", region), tagged_resources(aws.client("resourcegroupstaggingapi", region), filters))
    by_type: dict[str, list[LiveResource]] = {}
    for resource in status.resources:
        by_type.setdefault(resource.type, []).append(resource)
    sagemaker = aws.client("sagemaker", region)
    with aws_errors(f"reading the endpoints of workspace {ctx.name}"):
        endpoints = [_gone_is_none(_endpoint, sagemaker, r.name) for r in by_type.get("sagemaker:endpoint", [])]
        status.endpoints = [e for e in endpoints if e is not None]
    with aws_errors(f"reading the training jobs of workspace {ctx.name}"):
        jobs = {r.arn.lower() for r in by_type.get("sagemaker:training-job", [])}
        status.training_jobs = _training_jobs(sagemaker, jobs, since_days, limit) if jobs else []
    with aws_errors(f"reading the model registry of workspace {ctx.name}"):
        groups = [_gone_is_none(_model_group, sagemaker, r.name, limit)
                  for r in by_type.get("sagemaker:model-package-group", [])]
        status.registry = [g for g in groups if g is not None]
    alarms = {r.arn for r in by_type.get("cloudwatch:alarm", [])}
    if alarms:
        with aws_errors(f"reading the alarms of workspace {ctx.name}"):
            status.alarms = _alarms(aws.client("cloudwatch", region), alarms)
    return status


def _gone_is_none(read: Any, *args: Any) -> Any:
    """The Tagging API lists resources deleted moments ago: reading one that is gone gives None."""
    from botocore.exceptions import ClientError

    try:
        return read(*args)
    except ClientError as exc:
        message = str(exc.response.get("Error", {}).get("Message", "")).lower()
        if error_code(exc) in ("ResourceNotFound", "ValidationException") and (
                "not found" in message or "could not find" in message or "does not exist" in message):
            return None
        raise


def _endpoint(sagemaker: Any, name: str) -> Endpoint:
    described = sagemaker.describe_endpoint(EndpointName=name)
    config_name = described.get("EndpointConfigName", "")
    types: dict[str, str] = {}
    if config_name:
        from botocore.exceptions import ClientError

        try:  # the config may be gone already (replaced by a newer one)
            config = sagemaker.describe_endpoint_config(EndpointConfigName=config_name)
            types = {v["VariantName"]: v.get("InstanceType", "serverless" if v.get("ServerlessConfig") else "-")
                     for v in config.get("ProductionVariants", [])}
        except ClientError:
            types = {}
    variants = []
    for item in described.get("ProductionVariants", []):
        statuses = item.get("VariantStatus") or []
        variants.append(Variant(
            name=item["VariantName"],
            instance_type=types.get(item["VariantName"]),
            current_weight=item.get("CurrentWeight"),
            desired_weight=item.get("DesiredWeight"),
            current_instances=item.get("CurrentInstanceCount"),
            desired_instances=item.get("DesiredInstanceCount"),
            status=statuses[-1].get("Status", "-") if statuses else "-",
        ))
    return Endpoint(name, described.get("EndpointStatus", "-"), config_name, tuple(variants),
                    described.get("FailureReason"), described.get("LastModifiedTime"))


def _training_jobs(sagemaker: Any, arns: set[str], since_days: int, limit: int) -> list[TrainingJob]:
    since = clock.now() - dt.timedelta(days=since_days)
    jobs = []
    paginator = sagemaker.get_paginator("list_training_jobs")
    for page in paginator.paginate(CreationTimeAfter=since, SortBy="CreationTime", SortOrder="Descending"):
        for item in page.get("TrainingJobSummaries", []):
            if item["TrainingJobArn"].lower() in arns:  # SageMaker ARNs are case-insensitive
                jobs.append(TrainingJob(item["TrainingJobName"], item.get("TrainingJobStatus", "-"),
                                        item.get("CreationTime"), item.get("TrainingEndTime"),
                                        item.get("SecondaryStatus")))
    epoch = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    jobs.sort(key=lambda job: job.created or epoch, reverse=True)
    return jobs[:limit]


def _model_group(sagemaker: Any, name: str, limit: int) -> ModelGroup:
    versions = []
    paginator = sagemaker.get_paginator("list_model_packages")
    for page in paginator.paginate(ModelPackageGroupName=name, SortBy="CreationTime", SortOrder="Descending"):
        for item in page.get("ModelPackageSummaryList", []):
            versions.append(ModelVersion(item.get("ModelPackageVersion"), item.get("ModelApprovalStatus", "-"),
                                         item.get("ModelPackageStatus", "-"), item.get("CreationTime"),
                                         item["ModelPackageArn"]))
    versions.sort(key=lambda v: v.version or 0, reverse=True)
    return ModelGroup(name, tuple(versions[:limit]))


def _alarms(cloudwatch: Any, arns: set[str]) -> list[Alarm]:
    found = []
    paginator = cloudwatch.get_paginator("describe_alarms")
    for page in paginator.paginate(StateValue="ALARM", AlarmTypes=["MetricAlarm", "CompositeAlarm"]):
        for item in page.get("MetricAlarms", []) + page.get("CompositeAlarms", []):
            if item.get("AlarmArn") in arns:
                found.append(Alarm(item["AlarmName"], item.get("StateReason", ""), item.get("StateUpdatedTimestamp"),
                                   item.get("MetricName")))
    return sorted(found, key=lambda a: a.name)
