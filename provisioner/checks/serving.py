"""Serving rules that span several values: model sources, weights, autoscaling bounds."""

from __future__ import annotations

from typing import Any

from provisioner.capability_checks import Issue, check
from provisioner.models.org import Guardrails


@check("serving")
def weights_not_all_zero(params: dict[str, Any], guardrails: Guardrails) -> list[Issue]:
    variants = params.get("serving.variants") or []
    if variants and all(float(v.get("weight", 0)) == 0 for v in variants):
        return [("serving.variants", "every variant has weight 0, so no traffic would be served",
                 "give at least one variant a positive weight")]
    return []


@check("serving")
def autoscaling_bounds(params: dict[str, Any], guardrails: Guardrails) -> list[Issue]:
    issues = []
    for index, variant in enumerate(params.get("serving.variants") or []):
        low, high, start = variant.get("min_instances", 1), variant.get("max_instances", 1), variant.get("initial_instance_count", 1)
        field = f"serving.variants[{index}]"
        if low > high:
            issues.append((f"{field}.min_instances", f"min_instances {low} is above max_instances {high}",
                           "make min_instances <= max_instances"))
        elif not low <= start <= high:
            issues.append((f"{field}.initial_instance_count", f"{start} is outside min_instances..max_instances ({low}..{high})",
                           "pick an initial count within the autoscaling bounds"))
    return issues


@check("serving")
def one_model_source(params: dict[str, Any], guardrails: Guardrails) -> list[Issue]:
    package, image, data = (params.get(f"serving.{k}") or "" for k in ("model_package", "image_uri", "model_data"))
    issues = []
    if package and image:
        issues.append(("serving.image_uri", "both model_package and image_uri are set",
                       "use a model package from the registry, or an image with model_data, not both"))
    if image and not data:
        issues.append(("serving.model_data", "image_uri is set but model_data is empty",
                       "give the key of model.tar.gz in the artifacts bucket"))
    if data and not image:
        issues.append(("serving.image_uri", "model_data is set but image_uri is empty", "give the inference image URI"))
    shadow = params.get("serving.shadow_variant")
    names = {v.get("name") for v in params.get("serving.variants") or []}
    if shadow and shadow.get("name") in names:
        issues.append(("serving.shadow_variant.name", f"{shadow['name']!r} is also a production variant name",
                       "give the shadow variant its own name"))
    return issues
