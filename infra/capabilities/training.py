"""training: SageMaker training jobs inside the workspace's guardrails, enforced by IAM.

The workspace access policy (from foundation) gets permission to create
training jobs only when the request satisfies every guardrail:

- instance types within `training.instance_types` (a `ForAllValues` test, so
  also `Null = false`: a request without instance types must not pass), and an
  explicit Deny for any other type (belt and braces: an Allow elsewhere cannot
  widen it);
- job output encrypted with the workspace key; volumes too where SageMaker
  allows a volume key (see `infra.instance_storage`: instance types with local
  NVMe storage reject one, their disks are encrypted in hardware);
- network isolation and inter-container traffic encryption on, remote debug off;
- runtime at most `training.max_runtime_hours`;
- the job named `<training_job_prefix>-...` and tagged
  `provision:workspace=<name>`;
- in the environment's subnets and security groups when it has any.

There is no IAM condition key for the instance *count* (the sagemaker keys for
CreateTrainingJob are FileSystem*, InstanceTypes, InterContainerTrafficEncryption,
MaxRuntimeInSeconds, NetworkIsolation, OutputKmsKey, VolumeKmsKey, Vpc*,
EnableRemoteDebug, plus aws:RequestTag / aws:TagKeys). `training.max_instances`
is enforced by the parameter validator against the org guardrail and, in the
account, by the SageMaker service quota per instance type.

A failed training job of this workspace sends an alert to the alert topic.
"""

from __future__ import annotations

from infra.capabilities._base import WorkspaceParts, capability
from infra.constructs._base import statement
from infra.constructs.event_alert import EventAlert
from infra.instance_storage import volume_key_allowed
from infra.tagging import TAG_WORKSPACE

DEFAULT_MAX_RUNTIME_HOURS = 24


@capability("training")
def build(parts: WorkspaceParts) -> None:
    ctx = parts.ctx
    instance_types = list(ctx.param("training.instance_types") or ctx.guardrails.training_instance_types)
    max_runtime_seconds = int(ctx.param("training.max_runtime_hours", DEFAULT_MAX_RUNTIME_HOURS)) * 3600
    strict_volume_key = volume_key_allowed(instance_types)
    conditions = _guardrails(parts, instance_types, max_runtime_seconds, strict_volume_key)
    _grant_people(parts, instance_types, conditions)
    _grant_execution_role(parts)
    _failed_job_alert(parts)
    _notes(parts, instance_types, strict_volume_key)
    parts.output("training_job_prefix", parts.names.training_job_prefix,
                 "Training jobs of the workspace must be named <prefix>-...")


def _guardrails(parts: WorkspaceParts, instance_types: list[str], max_runtime_seconds: int,
                strict_volume_key: bool) -> dict[str, dict]:
    """The conditions a CreateTrainingJob request must meet (see the module docstring)."""
    ctx = parts.ctx
    # The SDK defaults name the key by its alias ARN; scripts may use the key ARN.
    key_ids = [parts.key.arn, parts.key.alias_arn]
    conditions: dict[str, dict] = {
        "Null": {"sagemaker:InstanceTypes": "false"},
        "ForAllValues:StringEquals": {"sagemaker:InstanceTypes": instance_types},
        "StringEquals": {"sagemaker:OutputKmsKey": key_ids, f"aws:RequestTag/{TAG_WORKSPACE}": ctx.name},
        "Bool": {"sagemaker:NetworkIsolation": "true", "sagemaker:InterContainerTrafficEncryption": "true"},
        "BoolIfExists": {"sagemaker:EnableRemoteDebug": "false"},
        "NumericLessThanEquals": {"sagemaker:MaxRuntimeInSeconds": str(max_runtime_seconds)},
        "ForAnyValue:StringEquals": {"aws:TagKeys": [TAG_WORKSPACE]},
    }
    if strict_volume_key:
        conditions["StringEquals"]["sagemaker:VolumeKmsKey"] = key_ids
    else:
        conditions["StringEqualsIfExists"] = {"sagemaker:VolumeKmsKey": key_ids}
    if ctx.env.subnet_ids:
        conditions["Null"].update({"sagemaker:VpcSubnets": "false", "sagemaker:VpcSecurityGroupIds": "false"})
        conditions["ForAllValues:StringEquals"].update({
            "sagemaker:VpcSubnets": list(ctx.env.subnet_ids),
            "sagemaker:VpcSecurityGroupIds": list(ctx.env.security_group_ids),
        })
    return conditions


def _grant_people(parts: WorkspaceParts, instance_types: list[str], conditions: dict[str, dict]) -> None:
    """The access policy: create jobs within the guardrails (and no other instance type), watch, stop, read logs."""
    names = parts.names
    jobs = names.training_jobs_arn
    parts.access.add_to_policy(
        statement("CreateTrainingJobsWithinGuardrails", "sagemaker:CreateTrainingJob", jobs, conditions=conditions),
        statement("DenyTrainingOnOtherInstanceTypes", "sagemaker:CreateTrainingJob", jobs, effect="Deny",
                  conditions={"ForAnyValue:StringNotEquals": {"sagemaker:InstanceTypes": instance_types}}),
        statement("TagTrainingJobsOnCreate", "sagemaker:AddTags", jobs,
                  conditions={"StringEquals": {"sagemaker:TaggingAction": "CreateTrainingJob"}}),
        statement("WatchAndStopWorkspaceTrainingJobs",
                  ("sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob", "sagemaker:ListTags"), jobs),
        # List calls support no resource-level permissions.
        statement("ListTrainingJobs", "sagemaker:ListTrainingJobs", "*"),
        statement("PassExecutionRoleToSageMaker", "iam:PassRole", parts.role.arn,
                  conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}),
        statement("ReadTrainingJobLogs", ("logs:DescribeLogStreams", "logs:GetLogEvents", "logs:FilterLogEvents"),
                  [names.training_log_group_arn, names.training_log_streams_arn]),
    )


def _grant_execution_role(parts: WorkspaceParts) -> None:
    """What a running job needs: its logs and SageMaker's metrics."""
    names = parts.names
    parts.role.add_to_policy(
        statement("WriteTrainingJobLogs", ("logs:CreateLogGroup", "logs:DescribeLogStreams"),
                  names.training_log_group_arn),
        statement("WriteTrainingJobLogStreams", ("logs:CreateLogStream", "logs:PutLogEvents"),
                  names.training_log_streams_arn),
        # PutMetricData supports no resource-level permissions; the namespace condition scopes it.
        statement("PublishSageMakerMetrics", "cloudwatch:PutMetricData", "*",
                  conditions={"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}}),
    )


def _failed_job_alert(parts: WorkspaceParts) -> None:
    ctx, names = parts.ctx, parts.names
    EventAlert(
        parts.scope, "training_failed", name=names.training_failed_rule,
        description=f"Failed training jobs of provision workspace {ctx.name} ({ctx.environment})",
        pattern={
            "source": ["aws.sagemaker"],
            "detail-type": ["SageMaker Training Job State Change"],
            "detail": {
                "TrainingJobStatus": ["Failed"],
                "TrainingJobName": [{"prefix": f"{names.training_job_prefix}-"}],
            },
        },
        topic=parts.topic,
        message=f"provision: training job <job> of workspace {ctx.name} ({ctx.environment}) failed: <reason>",
        fields={"job": "$.detail.TrainingJobName", "reason": "$.detail.FailureReason"},
    )


def _notes(parts: WorkspaceParts, instance_types: list[str], strict_volume_key: bool) -> None:
    ctx, names = parts.ctx, parts.names
    parts.note(f"name training jobs `{names.training_job_prefix}-...` and tag them "
               f"{TAG_WORKSPACE}={ctx.name}: the access policy allows no other training job")
    if not strict_volume_key:
        local = ", ".join(t for t in instance_types if not volume_key_allowed([t]))
        parts.note_for_aws(f"local NVMe volumes ({local}) are encrypted by the instance hardware; "
                           "the workspace key is required for job output, and for volumes where SageMaker accepts one")
    if not ctx.env.subnet_ids:
        parts.note_for_aws(f"environment {ctx.environment} has no subnets: training jobs run outside a VPC "
                           "(network isolation still on)")
