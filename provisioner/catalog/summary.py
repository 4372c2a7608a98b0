"""A blueprint as people read it: what each capability creates, and one row per parameter.

Shared by `provision blueprints show` (provisioner/cli/blueprints.py) and the
generated blueprint READMEs (provisioner/catalog/docs.py), so both say the same.
"""

from __future__ import annotations

from typing import Any

from provisioner.models.blueprint import Blueprint, ParameterSpec

# What each capability creates, for `blueprints show` and the docs.
CAPABILITY_RESOURCES = {
    "foundation": "KMS customer key (rotation), data/artifacts/access-log S3 buckets (SSE-KMS, versioning, "
    "public access blocked, TLS only), ECR repository, SageMaker execution role, log group, alert topic, "
    "budget, resource group",
    "training": "workspace access policy enforcing GPU guardrails on CreateTrainingJob, failed-job alert rule",
    "registry": "SageMaker model package group, approval-change alert rule",
    "serving": "SageMaker model, endpoint configuration (A/B variants, shadow, data capture), endpoint, autoscaling",
    "monitoring": "CloudWatch dashboard, alarms per variant (5XX rate, latency, no traffic)",
    "experiments": "SageMaker managed MLflow tracking server",
    "notebooks": "SageMaker Studio user profile per member, shared team space with idle shutdown, "
    "Studio IAM policy (notebook instance type allowlist), optional custom JupyterLab image",
}

# What checks drift and quality, by monitoring engine (provisioner/models/monitoring.py: engine_of).
MONITORING_ENGINES = {
    "pipeline": "a SageMaker pipeline that runs provision's drift and quality evaluation on a schedule "
                "(EventBridge Scheduler), with drift and quality alarms per variant",
    "model-monitor": "a SageMaker Model Monitor data quality schedule",
}


def monitoring_creates(blueprint: Blueprint, model_monitor: bool | None = None) -> str:
    """What the monitoring capability creates with this blueprint's default engine. `model_monitor` is the
    org's `monitoring.model_monitor` (None: no org, as in the generated READMEs), which decides the engine of
    blueprints from before `monitoring.engine` existed."""
    from provisioner.models.monitoring import engine_of

    base = CAPABILITY_RESOURCES["monitoring"]
    spec = blueprint.parameters.get("monitoring.engine")
    if spec is not None:
        engine = str(spec.default)
        others = [e for e in (spec.allowed or []) if e != engine and e in MONITORING_ENGINES]
        alternative = "".join(f"; with monitoring.engine: {e}, {MONITORING_ENGINES[e]} instead" for e in others)
        return f"{base}, {MONITORING_ENGINES[engine]}{alternative}"
    if model_monitor is None:
        return (f"{base}, {MONITORING_ENGINES['pipeline']}; in an org with monitoring.model_monitor: true, "
                f"{MONITORING_ENGINES['model-monitor']} instead")
    return f"{base}, {MONITORING_ENGINES[engine_of({}, model_monitor)]}"


def parameter_row(name: str, spec: ParameterSpec) -> dict[str, Any]:
    limits = []
    if spec.allowed is not None:
        limits.append("one of " + ", ".join(map(str, spec.allowed)))
    if spec.minimum is not None:
        limits.append(f">= {spec.minimum:g}")
    if spec.maximum is not None:
        limits.append(f"<= {spec.maximum:g}")
    if spec.min_items is not None or spec.max_items is not None:
        limits.append(f"{spec.min_items or 0}-{spec.max_items if spec.max_items is not None else 'n'} items")
    guardrail = spec.guardrail or (spec.items.guardrail if spec.items else None)
    if guardrail:
        limits.append(f"org guardrail {guardrail}")
    return {
        "name": name,
        "type": spec.describe_type(),
        "required": spec.required,
        "default": None if spec.required else spec.default,
        "limits": "; ".join(limits),
        "description": spec.description,
    }


def blueprint_data(blueprint: Blueprint, model_monitor: bool | None = None) -> dict[str, Any]:
    """`model_monitor`: the org's `monitoring.model_monitor`, when there is an org (see monitoring_creates)."""
    creates = {c: CAPABILITY_RESOURCES.get(c, "") for c in blueprint.capabilities}
    if "monitoring" in creates:
        creates["monitoring"] = monitoring_creates(blueprint, model_monitor)
    return {
        "name": blueprint.name,
        "version": blueprint.version,
        "ref": blueprint.ref,
        "description": blueprint.description.strip(),
        "capabilities": list(blueprint.capabilities),
        "creates": creates,
        "parameters": [parameter_row(n, s) for n, s in blueprint.parameters.items()],
    }
