"""serving: a real-time endpoint with A/B production variants, a shadow variant, data capture and autoscaling.

Parameters (see blueprints/realtime-endpoint): `serving.variants` (1-10, each
with instance type, initial count, weight, autoscaling bounds and optionally
its own model package), `serving.shadow_variant`, `serving.model_package`
(an ARN from the workspace registry or `latest-approved`) or
`serving.image_uri` + `serving.model_data`, `serving.data_capture_percentage`,
`serving.target_invocations_per_instance`, `serving.deployment` (how a change
rolls out: blue/green all at once, canary or linear, rolled back by the 5XX and
latency alarms of the monitoring capability; it arrives as `ctx.rollout`, see
provisioner/models/serving_deployment.py).

An A/B test is a parameter change: two variants with weights. Changing only
the weights replaces the endpoint *configuration* (SageMaker configurations
are immutable; every argument is ForceNew in the provider) and updates the
endpoint in place; see infra/constructs/endpoint.py for what was verified.

Each production variant autoscales between `min_instances` and `max_instances`
(target tracking on invocations per instance); `min_instances == max_instances`
means fixed capacity without a scalable target. SageMaker refuses to change
the instance type of, or remove, a variant registered for autoscaling, so
those changes take two steps: first set min = max (the scalable target is
removed), then change or remove the variant.

A workspace is often requested before its first model exists. When a variant
has no model source yet, or `latest-approved` could not be resolved before
synth (provisioner/specs/model_sources.py; the outcome arrives as
`ctx.latest_approved` / `ctx.latest_approved_unresolved`), synth prepares
everything except the models, the endpoint and what hangs off the endpoint
(autoscaling, endpoint alarms, data quality monitoring) and says so in a
synth note.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from infra.capabilities._base import WorkspaceParts, capability
from infra.capabilities._serving_access import serving_access
from infra.constructs._base import statement
from infra.constructs.endpoint import DataCapture, ModelSpec, RealtimeEndpoint, VariantSpec
from infra.constructs.image_repository import PULL
from infra.instance_storage import volume_key_allowed
from infra.serving_names import CAPTURE_PREFIX, ServingNames

if TYPE_CHECKING:
    from provisioner.models.serving import Variant

DEFAULT_CAPTURE_PERCENTAGE = 20
DEFAULT_TARGET_INVOCATIONS = 100
ECR_IMAGE = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<repo>[a-z0-9._/-]+)[:@]")


@capability("serving")
def build(parts: WorkspaceParts) -> None:
    ctx = parts.ctx
    names = ServingNames.of(ctx)
    all_variants = ctx.serving_variants
    production = [v for v in all_variants if not v.shadow]
    shadow = next((v for v in all_variants if v.shadow), None)
    capture_percentage = int(ctx.param("serving.data_capture_percentage", DEFAULT_CAPTURE_PERCENTAGE))
    parts.extras["serving_variants"] = all_variants

    # People and CI may call and inspect the endpoint, not change it (weights change through the spec).
    serving_access(parts).add_to_policy(statement(
        "InvokeWorkspaceEndpoint", ("sagemaker:InvokeEndpoint", "sagemaker:DescribeEndpoint"), names.endpoint_arn))
    if capture_percentage > 0:
        # SageMaker writes captured requests with the models' execution role.
        parts.role.add_to_policy(statement(
            "WriteEndpointDataCapture", "s3:PutObject", f"{parts.data.arn}/{CAPTURE_PREFIX}/*"))
        parts.key.grant_encrypt_decrypt(parts.role)
    if ctx.latest_approved is not None:
        parts.note(f"serving: latest-approved is {ctx.latest_approved} (newest approved version "
                   f"of {parts.names.model_package_group} when synthesized)")

    pending = [v for v in all_variants if not v.source.ready]
    if pending:
        parts.note(_pending_note(parts, pending))
        return

    models = {v.name: _model_spec(parts, names, v) for v in all_variants}
    instance_types = [v.instance_type for v in all_variants]
    encrypt_volumes = volume_key_allowed(instance_types)
    if not encrypt_volumes:
        local = sorted({t for t in instance_types if not volume_key_allowed([t])})
        parts.note_for_aws(f"serving: {', '.join(local)} have local NVMe storage that SageMaker encrypts in "
                           "hardware and rejects a KMS key for: the endpoint configuration carries no volume key "
                           "(captured data is still encrypted with the workspace key)")
    capture = None
    if capture_percentage > 0:
        capture = DataCapture(destination=f"s3://{parts.data.name}/{CAPTURE_PREFIX}",
                              sampling_percentage=capture_percentage, key=parts.key)

    def spec(v: Variant) -> VariantSpec:
        # min_instances == max_instances is fixed capacity: no scalable target (see the module docstring).
        scaled = v.min_instances is not None and v.max_instances is not None and v.min_instances < v.max_instances
        return VariantSpec(name=v.name, instance_type=v.instance_type, initial_instance_count=v.initial_instance_count,
                           weight=v.weight, model=models[v.name], min_instances=v.min_instances if scaled else None,
                           max_instances=v.max_instances if scaled else None)

    endpoint = RealtimeEndpoint(
        parts.scope, "serving",
        endpoint_name=names.endpoint,
        config_name_prefix=names.endpoint_config_prefix,
        role=parts.role,
        variants=[spec(v) for v in production],
        shadow=spec(shadow) if shadow else None,
        key=parts.key if encrypt_volumes else None,
        capture=capture,
        subnets=ctx.env.subnet_ids,
        security_group_ids=ctx.env.security_group_ids,
        target_invocations_per_instance=int(ctx.param("serving.target_invocations_per_instance",
                                                      DEFAULT_TARGET_INVOCATIONS)),
        scaling_policy_name=names.scaling_policy,
    )
    if ctx.rollout is not None:
        endpoint.deploy_with(ctx.rollout)
    parts.extras["endpoint"] = endpoint
    parts.output("endpoint_name", endpoint.endpoint.name, "Name of the workspace's SageMaker endpoint")
    if not ctx.env.subnet_ids:
        parts.note_for_aws(f"serving: environment {ctx.environment} has no subnets: the endpoint's models run "
                           "outside a VPC (network isolation still on)")


def _model_spec(parts: WorkspaceParts, names: ServingNames, variant: Variant) -> ModelSpec:
    source = variant.source
    name = names.model(variant.name, source.digest)
    if source.kind == "package":
        return ModelSpec(name=name, package_arn=source.package_arn)
    _grant_image_pull(parts, source.image_uri)
    return ModelSpec(name=name, image_uri=source.image_uri,
                     model_data_url=f"s3://{parts.artifacts.name}/{source.model_data_key}")


def _grant_image_pull(parts: WorkspaceParts, image_uri: str) -> None:
    """The workspace repository is already pullable; any other ECR repository is granted by its ARN."""
    match = ECR_IMAGE.match(image_uri)
    if match is None:
        return
    account, region, repo = match.group("account"), match.group("region"), match.group("repo")
    if account == parts.ctx.account_id and region == parts.ctx.region and repo == parts.images.name:
        return
    arn = f"arn:{parts.names.partition}:ecr:{region}:{account}:repository/{repo}"
    parts.role.add_to_policy(
        statement("EcrAuthorization", "ecr:GetAuthorizationToken", "*"),
        statement("PullServingImage", PULL, arn),
    )


def _pending_note(parts: WorkspaceParts, pending: list[Variant]) -> str:
    ctx = parts.ctx
    which = ", ".join(f"{v.name} ({v.source.describe()})" for v in pending)
    if any(v.source.kind == "latest" for v in pending):
        why = ctx.latest_approved_unresolved
        if why is None:
            why = "synth did not look it up"
        how = (f"latest-approved could not be resolved: {why}. Approve a version in "
               f"{parts.names.model_package_group} and synthesize with AWS credentials, or pin a model package ARN")
    else:
        how = ("set serving.model_package (an ARN from the workspace registry, or latest-approved) or "
               "serving.image_uri with serving.model_data")
    return (f"serving: no model yet for {which}: prepared everything except the models, the endpoint, its "
            f"autoscaling and endpoint alarms; {how}")
