"""MonitoringPipeline: a scheduled SageMaker Pipeline that runs provision's evaluation script.

Built only from services every account has (SageMaker Pipelines and
processing jobs, EventBridge Scheduler, S3, CloudWatch), unlike SageMaker
Model Monitor, which AWS closed to new customers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cdktn_provider_aws.s3_object import S3Object
from cdktn_provider_aws.sagemaker_pipeline import SagemakerPipeline
from cdktn_provider_aws.scheduler_schedule import (
    SchedulerSchedule,
    SchedulerScheduleFlexibleTimeWindow,
    SchedulerScheduleTarget,
    SchedulerScheduleTargetRetryPolicy,
)

from infra.constructs._base import L2, statement
from infra.constructs.customer_key import CustomerKey
from infra.constructs.execution_role import ExecutionRole
from infra.constructs.secure_bucket import SecureBucket
from infra.serving_names import MONITORING_MODE_PARAMETER
from infra.stack_build import add_resource, ref

PIPELINE_SCHEMA_VERSION = "2020-12-01"
STEP_NAME = "Evaluate"
CODE_DIR = "/opt/ml/processing/input/code"


def pipeline_definition(*, script_uri: str, script_name: str, arguments: Sequence[str], image_uri: str,
                        role_arn: str, key_arn: str, instance_type: str, volume_size_gb: int,
                        max_runtime_seconds: int, region: str, subnets: Sequence[str] = (),
                        security_group_ids: Sequence[str] = ()) -> dict[str, Any]:
    """The pipeline definition (SageMaker Pipelines schema 2020-12-01): one processing step.

    Its one parameter, `Mode` (default `scheduled`), reaches the script as
    `--mode`: the schedule starts it as it is, `provision monitoring run`
    starts a `preview` (provisioner/monitoring/evaluate.py, "Windows").
    """
    network: dict[str, Any] = {
        "EnableInterContainerTrafficEncryption": True,
        # The script publishes CloudWatch metrics and reads S3 itself, so the job needs the network
        # (in the environment's VPC when it has subnets: then VPC endpoints for S3 and CloudWatch).
        "EnableNetworkIsolation": False,
    }
    if subnets:
        network["VpcConfig"] = {"Subnets": list(subnets), "SecurityGroupIds": list(security_group_ids)}
    return {
        "Version": PIPELINE_SCHEMA_VERSION,
        "Metadata": {},
        "Parameters": [{"Name": MONITORING_MODE_PARAMETER, "Type": "String", "DefaultValue": "scheduled"}],
        "Steps": [{
            "Name": STEP_NAME,
            "Type": "Processing",
            "Arguments": {
                "ProcessingResources": {"ClusterConfig": {
                    "InstanceCount": 1, "InstanceType": instance_type, "VolumeSizeInGB": volume_size_gb,
                    "VolumeKmsKeyId": key_arn}},
                "AppSpecification": {
                    "ImageUri": image_uri,
                    "ContainerEntrypoint": ["python3", f"{CODE_DIR}/{script_name}", "evaluate", *arguments],
                    "ContainerArguments": ["--mode", {"Get": f"Parameters.{MONITORING_MODE_PARAMETER}"}],
                },
                "RoleArn": role_arn,
                "ProcessingInputs": [{
                    "InputName": "code", "AppManaged": False,
                    "S3Input": {"S3Uri": script_uri, "LocalPath": CODE_DIR, "S3DataType": "S3Prefix",
                                "S3InputMode": "File", "S3DataDistributionType": "FullyReplicated",
                                "S3CompressionType": "None"},
                }],
                "Environment": {"AWS_DEFAULT_REGION": region},
                "NetworkConfig": network,
                "StoppingCondition": {"MaxRuntimeInSeconds": max_runtime_seconds},
            },
        }],
    }


def terraform_literal(text: str) -> str:
    """Text that Terraform keeps as it is: `${` and `%{` would start an interpolation or a directive."""
    return text.replace("${", "$${").replace("%{", "%%{")


class MonitoringPipeline(L2):
    """The evaluation script in the data bucket, the pipeline that runs it, and its schedule.

    Always: the script object is encrypted with the workspace key and its key
    carries the script's sha256 (`script_key`), so a new script is a new object
    and a pipeline change in the reviewed plan; the processing volume uses the
    key and traffic between containers is encrypted; the schedule's data is
    encrypted with the key; a failed start is retried for up to an hour.

    Props:
      pipeline_name, schedule_name: physical names.
      role: the ExecutionRole the pipeline and its processing job run under (the
        capability grants it what the script reads and writes).
      scheduler_role: the ExecutionRole (trusted by scheduler.amazonaws.com) that
        starts the pipeline; this construct grants it StartPipelineExecution on
        this pipeline and decrypt on the key.
      key: the CustomerKey.
      bucket: the data bucket the script is uploaded to.
      script_key, script_text: the object key (ending in the script's file name) and its content.
      image_uri: the processing image (SageMaker scikit-learn image of the region).
      arguments: the script's command-line arguments after `evaluate`.
      schedule_expression: `cron(...)` in UTC.
      enabled: whether the schedule runs; default True (False before the endpoint exists).
      instance_type, volume_size_gb, max_runtime_seconds: the processing job; defaults
        ml.t3.medium, 10 GB, one hour.
      subnets, security_group_ids: VPC placement; default none.
    """

    def __init__(self, scope: Any, id: str, *, pipeline_name: str, pipeline_arn: str, schedule_name: str,
                 role: ExecutionRole, scheduler_role: ExecutionRole, key: CustomerKey, bucket: SecureBucket,
                 script_key: str, script_text: str, image_uri: str, arguments: Sequence[str],
                 schedule_expression: str, region: str, enabled: bool = True,
                 instance_type: str = "ml.t3.medium", volume_size_gb: int = 10, max_runtime_seconds: int = 3600,
                 subnets: Sequence[str] = (), security_group_ids: Sequence[str] = ()) -> None:
        super().__init__(scope, id)
        self.script = add_resource(
            self.stack, S3Object, f"{id}_script",
            bucket=ref(bucket.resource, "id"), key=script_key, content=terraform_literal(script_text),
            content_type="text/x-python", server_side_encryption="aws:kms", kms_key_id=key.arn,
        )
        definition = pipeline_definition(
            script_uri=f"s3://{bucket.name}/{script_key}", script_name=script_key.rsplit("/", 1)[-1],
            arguments=arguments, image_uri=image_uri, role_arn=role.arn, key_arn=key.arn,
            instance_type=instance_type, volume_size_gb=volume_size_gb, max_runtime_seconds=max_runtime_seconds,
            region=region, subnets=subnets, security_group_ids=security_group_ids)
        self.definition = definition
        self.pipeline = add_resource(
            self.stack, SagemakerPipeline, id,
            pipeline_name=pipeline_name, pipeline_display_name=pipeline_name,
            pipeline_description="provision model monitoring: drift and model quality per production variant",
            role_arn=role.arn, pipeline_definition=json.dumps(definition, sort_keys=True),
            # The script must be in place before a run can start.
            depends_on=[self.script, *role.ready],
        )
        scheduler_role.add_to_policy(statement("StartMonitoringPipeline", "sagemaker:StartPipelineExecution",
                                               pipeline_arn))
        key.grant_decrypt(scheduler_role)
        self.schedule = add_resource(
            self.stack, SchedulerSchedule, id,
            name=schedule_name, group_name="default",
            description=f"Runs {pipeline_name}",
            schedule_expression=schedule_expression, schedule_expression_timezone="UTC",
            flexible_time_window=SchedulerScheduleFlexibleTimeWindow(mode="OFF"),
            kms_key_arn=key.arn,
            state="ENABLED" if enabled else "DISABLED",
            target=SchedulerScheduleTarget(
                arn=ref(self.pipeline, "arn"), role_arn=scheduler_role.arn,
                retry_policy=SchedulerScheduleTargetRetryPolicy(maximum_event_age_in_seconds=3600,
                                                                maximum_retry_attempts=3)),
            depends_on=scheduler_role.ready,
        )
