"""RealtimeEndpoint: models, an endpoint configuration with variants, the endpoint, and its autoscaling.

How a change rolls out (checked in the AWS provider's source, see
docs/decisions/serving-endpoint-rollout.md; the synthesized side is pinned by
tests/infra_serving/test_serving_synth.py):

- Every argument of `aws_sagemaker_endpoint_configuration` except `tags` is
  ForceNew in the provider's schema (its Update only touches tags): SageMaker
  endpoint configurations are immutable, so a weight change *replaces* the
  configuration. That cannot be avoided with this provider. The configuration
  therefore has no fixed name: `name_prefix` makes the provider pick a new
  unique name (prefix + 26 characters) for each replacement, and
  `create_before_destroy` creates the new one before the old is deleted.
- `aws_sagemaker_endpoint.endpoint_config_name` is *not* ForceNew: the
  provider calls UpdateEndpoint, which moves the live endpoint to the new
  configuration (blue/green, no downtime), then waits until it is InService.
  The endpoint keeps its name, so its autoscaling targets and alarms stay.
- So a weight-only change plans as: 1 endpoint configuration created, the
  endpoint updated in place, the old configuration destroyed; models and
  autoscaling unchanged. (The cheaper UpdateEndpointWeightsAndCapacities API
  is not reachable from Terraform.)
- UpdateEndpoint resets each variant's instance count to the new
  configuration's initial count: the provider does not expose
  `RetainAllVariantProperties` (hashicorp/terraform-provider-aws#48990).
  Application Auto Scaling then scales from there again.
- Changing the instance type of, or removing, a variant makes UpdateEndpoint
  fail while the variant is registered as a scalable target (SageMaker
  docs, "Update endpoints that use auto scaling"). Give the variant no
  `min_instances`/`max_instances` first (the serving capability does that for
  min = max), apply, then change or remove it.

Models are named `<workspace>-<variant>-<hash of the model source>`: a new
model package or image gives the model a new name, so it is created before the
configuration that uses it and the old one is deleted after.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cdktn import TerraformResourceLifecycle
from cdktn_provider_aws.appautoscaling_policy import (
    AppautoscalingPolicy,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification,
)
from cdktn_provider_aws.appautoscaling_target import AppautoscalingTarget
from cdktn_provider_aws.sagemaker_endpoint import (
    SagemakerEndpoint,
    SagemakerEndpointDeploymentConfigAutoRollbackConfiguration,
    SagemakerEndpointDeploymentConfigAutoRollbackConfigurationAlarms,
    SagemakerEndpointDeploymentConfigBlueGreenUpdatePolicy,
    SagemakerEndpointDeploymentConfigBlueGreenUpdatePolicyTrafficRoutingConfiguration,
    SagemakerEndpointDeploymentConfigBlueGreenUpdatePolicyTrafficRoutingConfigurationCanarySize,
    SagemakerEndpointDeploymentConfigBlueGreenUpdatePolicyTrafficRoutingConfigurationLinearStepSize,
)
from cdktn_provider_aws.sagemaker_endpoint_configuration import (
    SagemakerEndpointConfiguration,
    SagemakerEndpointConfigurationDataCaptureConfig,
    SagemakerEndpointConfigurationDataCaptureConfigCaptureOptions,
    SagemakerEndpointConfigurationProductionVariants,
    SagemakerEndpointConfigurationShadowProductionVariants,
)
from cdktn_provider_aws.sagemaker_model import SagemakerModel, SagemakerModelPrimaryContainer, SagemakerModelVpcConfig

from infra.constructs._base import L2
from infra.constructs.customer_key import CustomerKey
from infra.constructs.execution_role import ExecutionRole
from infra.stack_build import StackBuild, add_resource, ref

if TYPE_CHECKING:
    from provisioner.models.serving_deployment import Rollout

SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
INVOCATIONS_PER_INSTANCE = "SageMakerVariantInvocationsPerInstance"


@dataclass(frozen=True)
class ModelSpec:
    """What one variant's model is made of: a model package, or an image with model data."""

    name: str  # physical name
    package_arn: str = ""
    image_uri: str = ""
    model_data_url: str = ""  # s3://...


@dataclass(frozen=True)
class VariantSpec:
    name: str
    instance_type: str
    initial_instance_count: int
    weight: float
    model: ModelSpec
    min_instances: int | None = None  # None: no autoscaling (the shadow variant)
    max_instances: int | None = None


@dataclass(frozen=True)
class DataCapture:
    """Capture requests and responses to S3 (SageMaker appends `<endpoint>/<variant>/yyyy/mm/dd/hh/`)."""

    destination: str  # s3://bucket/prefix
    sampling_percentage: int
    key: CustomerKey


def _tf_id(text: str) -> str:
    """A Terraform-safe id fragment from a variant name (letters, digits, hyphens are allowed)."""
    return text.replace(".", "_")


class RealtimeEndpoint(L2):
    """A real-time SageMaker endpoint with production variants, an optional shadow variant and autoscaling.

    Always: every model runs with network isolation under the workspace
    execution role (and in the environment's VPC when `subnets` is given);
    the endpoint configuration has no fixed name (`name_prefix`) and
    `create_before_destroy`, so a changed configuration rolls out through
    UpdateEndpoint without replacing the endpoint (see the module docstring).

    Props:
      endpoint_name: the endpoint's physical name (fixed: clients call it).
      config_name_prefix: at most 37 characters; the provider appends 26.
      role: the ExecutionRole SageMaker assumes for the models.
      variants: 1-10 production variants; those with `min_instances` and
        `max_instances` get a scalable target and a target-tracking policy.
      shadow: a shadow variant receiving a copy of the traffic; default none.
      key: encrypts the instances' storage volumes through the configuration's
        `kms_key_arn`; `None` when an instance type has local NVMe storage
        (SageMaker rejects the key then; the hardware encrypts those disks).
      capture: data capture settings; default `None` (no capture).
      subnets, security_group_ids: VPC placement of the models; default none.
      target_invocations_per_instance: the autoscaling target (invocations
        per instance per minute); default 100.
      scaling_policy_name: variant name -> physical name of its scaling policy.
      scale_in_cooldown, scale_out_cooldown: seconds; defaults 300 and 60.
    Tags: the workspace's, given to every resource at creation (`infra.stack_build`).
    """

    def __init__(
        self,
        scope: Any,
        id: str,
        *,
        endpoint_name: str,
        config_name_prefix: str,
        role: ExecutionRole,
        variants: Sequence[VariantSpec],
        shadow: VariantSpec | None = None,
        key: CustomerKey | None,
        capture: DataCapture | None = None,
        subnets: Sequence[str] = (),
        security_group_ids: Sequence[str] = (),
        target_invocations_per_instance: int = 100,
        scaling_policy_name: Callable[[str], str],
        scale_in_cooldown: int = 300,
        scale_out_cooldown: int = 60,
    ) -> None:
        super().__init__(scope, id)
        if not 1 <= len(variants) <= 10:
            raise ValueError(f"an endpoint needs 1 to 10 production variants, got {len(variants)}")
        if len(config_name_prefix) > 37:
            raise ValueError(f"config_name_prefix {config_name_prefix!r} is longer than 37 characters")
        self.name = endpoint_name
        self.models = self._models(id, role, [*variants, *([shadow] if shadow else [])], subnets, security_group_ids)
        self.config = self._configuration(id, config_name_prefix, variants, shadow, key, capture)
        self.endpoint = add_resource(self.stack, SagemakerEndpoint, id, name=endpoint_name,
                                     endpoint_config_name=ref(self.config, "name"))
        self.arn: str = ref(self.endpoint, "arn")
        self.scaling: dict[str, tuple[AppautoscalingTarget, AppautoscalingPolicy]] = {}
        for variant in variants:
            if variant.min_instances is not None and variant.max_instances is not None:
                self.scaling[variant.name] = self._autoscaling(
                    id, variant, policy_name=scaling_policy_name(variant.name),
                    target_invocations=target_invocations_per_instance,
                    scale_in_cooldown=scale_in_cooldown, scale_out_cooldown=scale_out_cooldown)

    def _models(self, id: str, role: ExecutionRole, variants: Sequence[VariantSpec], subnets: Sequence[str],
                security_group_ids: Sequence[str]) -> dict[str, SagemakerModel]:
        """One model per variant, network-isolated, under the execution role (in the VPC when given)."""
        vpc = SagemakerModelVpcConfig(subnets=list(subnets), security_group_ids=list(security_group_ids)) \
            if subnets else None
        # The endpoint pulls images and model data with the role's permissions: wait for its policy too.
        role_ready = role.ready
        models: dict[str, SagemakerModel] = {}
        for variant in variants:
            container = SagemakerModelPrimaryContainer(
                model_package_name=variant.model.package_arn or None,
                image=variant.model.image_uri or None,
                model_data_url=variant.model.model_data_url or None,
            )
            models[variant.name] = add_resource(
                self.stack, SagemakerModel, f"{id}_model_{_tf_id(variant.name)}",
                name=variant.model.name,
                execution_role_arn=role.arn,
                enable_network_isolation=True,
                primary_container=container,
                vpc_config=vpc,
                depends_on=role_ready,
            )
        return models

    def _configuration(self, id: str, name_prefix: str, variants: Sequence[VariantSpec], shadow: VariantSpec | None,
                       key: CustomerKey | None, capture: DataCapture | None) -> SagemakerEndpointConfiguration:
        """The endpoint configuration: replaced on every change, so no fixed name and created before destroyed."""
        return add_resource(
            self.stack, SagemakerEndpointConfiguration, id,
            name_prefix=name_prefix,
            production_variants=[SagemakerEndpointConfigurationProductionVariants(
                variant_name=v.name, model_name=ref(self.models[v.name], "name"), instance_type=v.instance_type,
                initial_instance_count=v.initial_instance_count, initial_variant_weight=v.weight,
            ) for v in variants],
            shadow_production_variants=None if shadow is None else [
                SagemakerEndpointConfigurationShadowProductionVariants(
                    variant_name=shadow.name, model_name=ref(self.models[shadow.name], "name"),
                    instance_type=shadow.instance_type, initial_instance_count=shadow.initial_instance_count,
                    initial_variant_weight=shadow.weight,
                )],
            data_capture_config=None if capture is None else SagemakerEndpointConfigurationDataCaptureConfig(
                enable_capture=True,
                initial_sampling_percentage=capture.sampling_percentage,
                destination_s3_uri=capture.destination,
                kms_key_id=capture.key.arn,
                capture_options=[SagemakerEndpointConfigurationDataCaptureConfigCaptureOptions(capture_mode=mode)
                                 for mode in ("Input", "Output")],
            ),
            kms_key_arn=key.arn if key is not None else None,
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )

    def _autoscaling(self, id: str, variant: VariantSpec, *, policy_name: str, target_invocations: int,
                     scale_in_cooldown: int, scale_out_cooldown: int) -> tuple[AppautoscalingTarget, AppautoscalingPolicy]:
        """A scalable target between the variant's bounds and a target-tracking policy on invocations per instance."""
        scaling_id = f"{id}_scaling_{_tf_id(variant.name)}"
        target = add_resource(
            self.stack, AppautoscalingTarget, scaling_id,
            service_namespace="sagemaker",
            scalable_dimension=SCALABLE_DIMENSION,
            # The endpoint's *name attribute* makes the target wait for the endpoint.
            resource_id=f"endpoint/{ref(self.endpoint, 'name')}/variant/{variant.name}",
            min_capacity=variant.min_instances,
            max_capacity=variant.max_instances,
        )
        policy = add_resource(
            self.stack, AppautoscalingPolicy, scaling_id,
            name=policy_name,
            policy_type="TargetTrackingScaling",
            service_namespace=ref(target, "service_namespace"),
            scalable_dimension=ref(target, "scalable_dimension"),
            resource_id=ref(target, "resource_id"),
            target_tracking_scaling_policy_configuration=(
                AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration(
                    target_value=target_invocations,
                    predefined_metric_specification=(
                        AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification(
                            predefined_metric_type=INVOCATIONS_PER_INSTANCE)),
                    scale_in_cooldown=scale_in_cooldown,
                    scale_out_cooldown=scale_out_cooldown,
                )),
        )
        return target, policy

    # --- guarded rollouts (SageMaker deployment guardrails) ---------------------------------------
    def deploy_with(self, rollout: "Rollout") -> None:
        """Roll out every change of the endpoint blue/green as `rollout` says (canary, linear or at once).

        Rollback alarms arrive later (the monitoring capability owns them, see
        `add_rollback_alarms`), so the deployment config is written when the
        stack is finished, once.
        """
        self._rollout = rollout
        self._rollback_alarms: list[Any] = []
        StackBuild.of(self.stack).at_finish(self._write_deployment)

    def add_rollback_alarms(self, *alarms: Any) -> None:
        """CloudWatch alarm resources that roll a guarded rollout back when they fire (no-op without one)."""
        if getattr(self, "_rollout", None) is not None and self._rollout.rollback_on_alarms:
            self._rollback_alarms.extend(alarms)

    def _write_deployment(self) -> None:
        rollout = self._rollout
        routing = SagemakerEndpointDeploymentConfigBlueGreenUpdatePolicyTrafficRoutingConfiguration(
            type=rollout.traffic_type, wait_interval_in_seconds=rollout.wait_seconds,
            canary_size=SagemakerEndpointDeploymentConfigBlueGreenUpdatePolicyTrafficRoutingConfigurationCanarySize(
                type="CAPACITY_PERCENT", value=rollout.canary_percent) if rollout.strategy == "canary" else None,
            linear_step_size=(
                SagemakerEndpointDeploymentConfigBlueGreenUpdatePolicyTrafficRoutingConfigurationLinearStepSize(
                    type="CAPACITY_PERCENT", value=rollout.step_percent) if rollout.strategy == "linear" else None),
        )
        rollback = None
        if self._rollback_alarms:
            # A reference to each alarm's name also makes the endpoint wait for its alarms.
            rollback = SagemakerEndpointDeploymentConfigAutoRollbackConfiguration(alarms=[
                SagemakerEndpointDeploymentConfigAutoRollbackConfigurationAlarms(alarm_name=ref(a, "alarm_name"))
                for a in self._rollback_alarms])
        self.endpoint.put_deployment_config(
            blue_green_update_policy=SagemakerEndpointDeploymentConfigBlueGreenUpdatePolicy(
                traffic_routing_configuration=routing,
                maximum_execution_timeout_in_seconds=rollout.timeout_seconds,
                termination_wait_in_seconds=rollout.termination_wait_seconds),
            auto_rollback_configuration=rollback,
        )
