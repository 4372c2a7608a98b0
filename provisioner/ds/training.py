"""A training job inside the workspace: planned from a checked request, launched with the SDK, followed.

`plan_job` turns a request (already checked by `guardrails.check_request`) into
every value the job is created with, so that nothing is left to SDK defaults
that could fall outside the workspace's IAM conditions:

- role: the workspace execution role; name `<training_job_prefix>-<timestamp>`;
- output to `s3://<artifacts>/sagemaker/<prefix>/` encrypted with the workspace key,
  volumes too where the instance type accepts a volume key (not on local-NVMe
  types such as g5, whose disks the hardware encrypts: see infra.instance_storage);
- network isolation and inter-container traffic encryption on; the environment's
  subnets and security groups when it has any;
- spot: `MaxWaitTimeInSeconds` twice the runtime, and checkpoints in the artifacts
  bucket under `sagemaker/<prefix>/checkpoints/<run>/` (one folder per launch);
- every workspace tag on the job, explicitly (the SDK's config file does not apply them).

`launch` runs `ModelTrainer.train(wait=False)` with a SageMaker `Session` whose
config is the workspace's SDK defaults document; `follow` polls the job and
reports through callbacks (nothing here prints).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from provisioner.runtime import clock
from infra.instance_storage import has_local_storage
from infra.sdk_defaults import DEFAULT_PREFIX
from provisioner.ds import one_line
from provisioner.ds.guardrails import TrainingRequest
from provisioner.ds.workspace import WorkspaceFacts
from provisioner.errors import OperationFailed
from provisioner.models.resolved import WorkspaceContext

TERMINAL = ("Completed", "Failed", "Stopped")
CHECKPOINT_LOCAL_PATH = "/opt/ml/checkpoints"
SPOT_WAIT_FACTOR = 2
DEFAULT_POLL_SECONDS = 15.0


@dataclass(frozen=True)
class JobPlan:
    """Every value the training job is created with."""

    base_job_name: str
    image: str
    instance_type: str
    instance_count: int
    spot: bool
    max_runtime_seconds: int
    max_wait_seconds: int | None
    role_arn: str
    output_path: str
    key_id: str
    volume_key_id: str | None
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    checkpoint_uri: str | None
    hyperparameters: dict[str, str]
    inputs: dict[str, str]
    tags: dict[str, str]
    region: str
    artifacts_bucket: str
    network_isolation: bool = True
    inter_container_encryption: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


def run_id(now: dt.datetime | None = None) -> str:
    now = now or clock.now()
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def plan_job(ctx: WorkspaceContext, facts: WorkspaceFacts, request: TrainingRequest, *, run: str | None = None) -> JobPlan:
    instance_type = request.resolved_instance_type(ctx)
    runtime = request.resolved_runtime(ctx)
    prefix = facts.training_job_prefix
    base = f"s3://{facts.artifacts_bucket}/{DEFAULT_PREFIX}/{prefix}"
    return JobPlan(
        base_job_name=prefix,
        image=request.image,
        instance_type=instance_type,
        instance_count=request.instance_count,
        spot=request.spot,
        max_runtime_seconds=runtime,
        max_wait_seconds=runtime * SPOT_WAIT_FACTOR if request.spot else None,
        role_arn=facts.role_arn,
        output_path=base,
        key_id=facts.key_id,
        volume_key_id=None if has_local_storage(instance_type) else facts.key_id,
        subnet_ids=facts.subnet_ids,
        security_group_ids=facts.security_group_ids,
        checkpoint_uri=f"{base}/checkpoints/{run or run_id()}/" if request.spot else None,
        hyperparameters=dict(request.hyperparameters),
        inputs=dict(request.inputs),
        tags=dict(facts.tags),
        region=facts.region,
        artifacts_bucket=facts.artifacts_bucket,
    )


@contextmanager
def _role_validation_off() -> Iterator[None]:
    """The SDK checks the role with iam:SimulatePrincipalPolicy, which the workspace access policy
    does not grant (nor need: the role is the workspace's own, made for SageMaker by Terraform).
    An explicit SAGEMAKER_VALIDATE_ROLE in the environment is respected."""
    key = "SAGEMAKER_VALIDATE_ROLE"
    if key in os.environ:
        yield
        return
    os.environ[key] = "false"
    try:
        yield
    finally:
        os.environ.pop(key, None)


def launch(plan: JobPlan, sdk_config: dict[str, Any], boto_session: Any = None) -> str:
    """Create the training job with the SageMaker Python SDK; returns its name (does not wait).

    `boto_session`: the environment's session (its deploy role); default the shell's credentials.
    """
    import boto3
    from sagemaker.core.helper.session_helper import Session
    from sagemaker.core.training.configs import (
        CheckpointConfig,
        Compute,
        InputData,
        Networking,
        OutputDataConfig,
        StoppingCondition,
        Tag,
    )
    from sagemaker.train import ModelTrainer

    from provisioner.cloud.aws import aws_errors

    with aws_errors(f"launching a training job of {plan.base_job_name}"), _role_validation_off():
        session = Session(
            boto_session=boto_session or boto3.session.Session(region_name=plan.region),
            default_bucket=plan.artifacts_bucket,
            default_bucket_prefix=DEFAULT_PREFIX,
            sagemaker_config=sdk_config,
        )
        networking = Networking(
            enable_network_isolation=plan.network_isolation,
            enable_inter_container_traffic_encryption=plan.inter_container_encryption,
            subnets=list(plan.subnet_ids) or None,
            security_group_ids=list(plan.security_group_ids) or None,
        )
        stopping = StoppingCondition(max_runtime_in_seconds=plan.max_runtime_seconds)
        if plan.max_wait_seconds:
            stopping = StoppingCondition(max_runtime_in_seconds=plan.max_runtime_seconds,
                                         max_wait_time_in_seconds=plan.max_wait_seconds)
        compute: dict[str, Any] = {"instance_type": plan.instance_type, "instance_count": plan.instance_count,
                                   "enable_managed_spot_training": plan.spot}
        if plan.volume_key_id:
            compute["volume_kms_key_id"] = plan.volume_key_id
        trainer = ModelTrainer(
            sagemaker_session=session,
            role=plan.role_arn,
            base_job_name=plan.base_job_name,
            training_image=plan.image,
            compute=Compute(**compute),
            networking=networking,
            stopping_condition=stopping,
            output_data_config=OutputDataConfig(s3_output_path=plan.output_path, kms_key_id=plan.key_id),
            checkpoint_config=(CheckpointConfig(s3_uri=plan.checkpoint_uri, local_path=CHECKPOINT_LOCAL_PATH)
                               if plan.checkpoint_uri else None),
            hyperparameters=dict(plan.hyperparameters),
            tags=[Tag(key=k, value=v) for k, v in sorted(plan.tags.items())],
        )
        channels = [InputData(channel_name=name, data_source=uri) for name, uri in plan.inputs.items()]
        trainer.train(input_data_config=channels or None, wait=False, logs=False)
        job = trainer._latest_training_job  # the SDK keeps the created job only here
        if job is None:
            raise OperationFailed(f"the SageMaker SDK created no training job for {plan.base_job_name}",
                                  "rerun with PROVISION_DEBUG=1 and report it")
        return str(job.training_job_name)


@dataclass
class JobOutcome:
    name: str
    status: str
    description: dict[str, Any] = field(default_factory=dict)

    @property
    def model_data(self) -> str | None:
        return (self.description.get("ModelArtifacts") or {}).get("S3ModelArtifacts")

    @property
    def arn(self) -> str | None:
        return self.description.get("TrainingJobArn")

    def spot_savings_percent(self) -> float | None:
        trained, billed = self.description.get("TrainingTimeInSeconds"), self.description.get("BillableTimeInSeconds")
        if not trained or billed is None or not self.description.get("EnableManagedSpotTraining"):
            return None
        return max(0.0, (1 - billed / trained) * 100)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "arn": self.arn, "status": self.status, "model_data": self.model_data,
                "secondary_status": self.description.get("SecondaryStatus"),
                "failure_reason": self.description.get("FailureReason"),
                "training_seconds": self.description.get("TrainingTimeInSeconds"),
                "billable_seconds": self.description.get("BillableTimeInSeconds"),
                "checkpoint_uri": (self.description.get("CheckpointConfig") or {}).get("S3Uri")}


def follow(
    sagemaker: Any,
    name: str,
    *,
    on_update: Callable[[dict[str, Any]], None] | None = None,
    on_transition: Callable[[dict[str, Any]], None] | None = None,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> JobOutcome:
    """Poll `describe_training_job` until the job ends; report each new status transition once."""
    from provisioner.cloud.aws import aws_errors

    seen = 0
    while True:
        with aws_errors(f"reading training job {name}"):
            description = sagemaker.describe_training_job(TrainingJobName=name)
        description.pop("ResponseMetadata", None)
        transitions = description.get("SecondaryStatusTransitions") or []
        for transition in transitions[seen:]:
            if on_transition:
                on_transition(transition)
        seen = len(transitions)
        if on_update:
            on_update(description)
        status = description.get("TrainingJobStatus", "Unknown")
        if status in TERMINAL:
            return JobOutcome(name, status, description)
        sleep(poll_seconds)


def outcome_error(outcome: JobOutcome) -> OperationFailed:
    reason = one_line(outcome.description.get("FailureReason") or "no reason given")
    logs = f"CloudWatch log group /aws/sagemaker/TrainingJobs, streams {outcome.name}/*"
    if outcome.status == "Stopped":
        return OperationFailed(f"training job {outcome.name} was stopped ({reason})",
                               f"it may have hit --max-runtime; see {logs}")
    return OperationFailed(f"training job {outcome.name} failed: {reason}", f"see its logs: {logs}")
