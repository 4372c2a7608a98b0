"""SageMaker Python SDK "intelligent defaults" for a workspace (pure Python, no cdktn).

`provision synth` writes this next to cdk.tf.json as `sagemaker-defaults.yaml`;
point the SDK at it with `SAGEMAKER_USER_CONFIG_OVERRIDE=<path>` and jobs pick
up the workspace role, bucket, key, network isolation and VPC without code.

Every name and ARN comes from `infra.resource_names`, the same helper the
stack uses, so the file points at exactly what the stack creates. The key is
referenced by its alias ARN (computable before deploy); the IAM conditions of
the training capability accept the alias ARN as well as the key ARN.

Two SageMaker rules shape the output:
- `ResourceConfig.VolumeKmsKeyId` (and an endpoint config's `KmsKeyId`) are
  rejected for instance types with local NVMe storage (g4dn, g5, p4d, ...),
  whose volumes the hardware encrypts. They are written only when every
  allowed instance type is EBS-backed (see `infra.instance_storage`).
- The SDK does not apply `TrainingJob.Tags` from this file everywhere (see
  FIELD-NOTES): tag jobs explicitly as well, at least with `provision:workspace`,
  which the workspace access policy requires.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra.instance_storage import volume_key_allowed
from infra.resource_names import SDK_PREFIX, WorkspaceNames

if TYPE_CHECKING:
    from provisioner.models.resolved import WorkspaceContext

SCHEMA_VERSION = "1.0"
DEFAULT_PREFIX = SDK_PREFIX


def training_instance_types(ctx: "WorkspaceContext") -> list[str]:
    return list(ctx.param("training.instance_types") or ctx.guardrails.training_instance_types)


def serving_instance_types(ctx: "WorkspaceContext") -> list[str]:
    """The workspace's endpoint variants' types, or every type the org allows when it has none."""
    variants = list(ctx.param("serving.variants") or [])
    shadow = ctx.param("serving.shadow_variant")
    if shadow:
        variants.append(shadow)
    types = [v["instance_type"] for v in variants if isinstance(v, dict) and v.get("instance_type")]
    return types or list(ctx.guardrails.serving_instance_types)


def sdk_defaults(ctx: "WorkspaceContext") -> dict[str, Any]:
    names = WorkspaceNames.of(ctx)
    key = names.key_alias_arn

    # Fresh lists per section: shared objects would come out as YAML anchors and aliases.
    def tags() -> list[dict[str, str]]:
        return [{"Key": k, "Value": v} for k, v in sorted(ctx.tags.items())]

    def vpc() -> dict[str, list[str]]:
        return {"Subnets": list(ctx.env.subnet_ids), "SecurityGroupIds": list(ctx.env.security_group_ids)}

    training: dict[str, Any] = {
        "RoleArn": names.execution_role_arn,
        "OutputDataConfig": {"KmsKeyId": key},
        "EnableNetworkIsolation": True,
        "EnableInterContainerTrafficEncryption": True,
    }
    if volume_key_allowed(training_instance_types(ctx)):
        training["ResourceConfig"] = {"VolumeKmsKeyId": key}
    if ctx.env.subnet_ids:
        training["VpcConfig"] = vpc()
    training["Tags"] = tags()

    model: dict[str, Any] = {"ExecutionRoleArn": names.execution_role_arn, "EnableNetworkIsolation": True}
    if ctx.env.subnet_ids:
        model["VpcConfig"] = vpc()
    model["Tags"] = tags()

    endpoint_config: dict[str, Any] = {}
    if volume_key_allowed(serving_instance_types(ctx)):
        endpoint_config["KmsKeyId"] = key
    endpoint_config["DataCaptureConfig"] = {"KmsKeyId": key}
    endpoint_config["Tags"] = tags()

    modules: dict[str, Any] = {
        "Session": {
            "DefaultS3Bucket": names.artifacts_bucket,
            "DefaultS3ObjectKeyPrefix": DEFAULT_PREFIX,
        },
        # Otherwise every SDK call also sends usage data to an AWS-owned endpoint outside the workspace.
        "TelemetryOptOut": True,
    }
    if ctx.has("training"):
        # sagemaker 3.x ModelTrainer reads inter-container encryption (which the workspace IAM policy
        # requires) only from its own config space, with snake_case fields.
        networking: dict[str, Any] = {
            "enable_network_isolation": True,
            "enable_inter_container_traffic_encryption": True,
        }
        if ctx.env.subnet_ids:
            networking["subnets"] = list(ctx.env.subnet_ids)
            networking["security_group_ids"] = list(ctx.env.security_group_ids)
        modules["ModelTrainer"] = {"networking": networking}

    return {
        "SchemaVersion": SCHEMA_VERSION,
        "SageMaker": {
            "PythonSDK": {"Modules": modules},
            "TrainingJob": training,
            "Model": model,
            "EndpointConfig": endpoint_config,
        },
    }
