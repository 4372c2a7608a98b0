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
    "monitoring": "CloudWatch dashboard, alarms, data quality monitoring schedule",
    "experiments": "SageMaker managed MLflow tracking server",
    "notebooks": "SageMaker Studio user profile per member, shared team space with idle shutdown, "
    "Studio IAM policy (notebook instance type allowlist), optional custom JupyterLab image",
}

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


def blueprint_data(blueprint: Blueprint) -> dict[str, Any]:
    return {
        "name": blueprint.name,
        "version": blueprint.version,
        "ref": blueprint.ref,
        "description": blueprint.description.strip(),
        "capabilities": list(blueprint.capabilities),
        "creates": {c: CAPABILITY_RESOURCES.get(c, "") for c in blueprint.capabilities},
        "parameters": [parameter_row(n, s) for n, s in blueprint.parameters.items()],
    }
