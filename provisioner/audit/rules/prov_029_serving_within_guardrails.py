from __future__ import annotations

from provisioner.audit.resources import blocks
from provisioner.audit.rule import NOT_APPLICABLE, PASS, Fail, rule


@rule(
    id="PROV-029",
    title="Endpoints stay within the org's serving guardrails",
    why="""The org guardrails cap endpoint instance types and counts (serving_instance_types,
    max_endpoint_instances) to bound cost; the synthesized endpoint must respect them, autoscaling
    maximum included.""",
    fix="Use an allowed instance type and keep initial_instance_count and the autoscaling max_capacity within max_endpoint_instances.",
    level="error",
    resource_types=("aws_sagemaker_endpoint_configuration", "aws_appautoscaling_target"),
    category="sagemaker",
)
def check(resource, config):
    guardrails = config.workspace.guardrails if config.workspace else {}
    if not guardrails:
        return NOT_APPLICABLE
    limit = guardrails.get("max_endpoint_instances")
    allowed = guardrails.get("serving_instance_types") or []
    problems = []
    if resource.type == "aws_appautoscaling_target":
        if resource.values.get("service_namespace") != "sagemaker":
            return NOT_APPLICABLE
        maximum = resource.values.get("max_capacity")
        if isinstance(maximum, int) and limit and maximum > limit:
            problems.append(f"max_capacity {maximum} exceeds max_endpoint_instances {limit}")
    else:
        for variant in blocks(resource.values.get("production_variants")) + blocks(resource.values.get("shadow_production_variants")):
            name = variant.get("variant_name", "variant")
            kind, count = variant.get("instance_type"), variant.get("initial_instance_count")
            if kind and allowed and kind not in allowed:
                problems.append(f"{name} uses {kind}, not in serving_instance_types")
            if isinstance(count, int) and limit and count > limit:
                problems.append(f"{name} starts {count} instances, above max_endpoint_instances {limit}")
    return Fail("; ".join(problems)) if problems else PASS
