"""Serving rules that span several values: model sources, weights, autoscaling bounds, shadow variants."""

from __future__ import annotations

from typing import Any

from provisioner.models.org import Guardrails
from provisioner.specs.checks import Issue, check


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


@check("serving")
def shadow_needs_one_production_variant(params: dict[str, Any], guardrails: Guardrails) -> list[Issue]:
    # SageMaker CreateEndpointConfig: "If you use [ShadowProductionVariants], you can only specify one
    # variant for ProductionVariants and one variant for ShadowProductionVariants."
    variants = params.get("serving.variants") or []
    if params.get("serving.shadow_variant") and len(variants) != 1:
        return [("serving.shadow_variant", f"a shadow variant needs exactly one production variant, "
                 f"there are {len(variants)}",
                 "run the A/B test (several weighted variants) and the shadow test (one variant plus a shadow) "
                 "one after the other")]
    return []


@check("serving")
def every_variant_has_a_model_or_none_has(params: dict[str, Any], guardrails: Guardrails) -> list[Issue]:
    """All variants have a model source, or none has yet (then synth prepares everything but the endpoint)."""
    from provisioner.specs.model_sources import variants

    found = variants(params)
    missing = [v for v in found if v.source.kind == "none"]
    if not missing or len(missing) == len(found):
        return []
    return [(v.source.field, f"variant {v.name!r} has no model while others have one",
             "give it a model_package, or set serving.model_package (or image_uri + model_data) for all variants")
            for v in missing]


@check("monitoring")
def monitoring_needs_captured_data(params: dict[str, Any], guardrails: Guardrails) -> list[Issue]:
    if "serving.data_capture_percentage" in params and params["serving.data_capture_percentage"] == 0:
        return [("serving.data_capture_percentage", "0 turns data capture off, but monitoring reads the "
                 "captured data (drift and quality)", "capture a share of the requests, e.g. 10")]
    return []


@check("serving")
def model_packages_from_the_workspace_registry(params: dict[str, Any], guardrails: Guardrails, *, env: Any = None,
                                               org: str = "", workspace: str = "", environment: str = "",
                                               adopted: tuple[tuple[str, str], ...] = ()) -> list[Issue]:
    """Model packages must come from this workspace's own registry: its account, region and group.

    The execution role may read only that group's packages, so a package from anywhere else could be
    named but never served.
    """
    from infra.resource_names import WorkspaceNames
    from provisioner.specs.model_sources import PACKAGE_ARN, variants

    if env is None or not (org and workspace):
        return []
    group = WorkspaceNames(org, workspace, environment, env.account_id, env.region, adopted).model_package_group
    issues: dict[str, Issue] = {}  # one per parameter (serving.model_package may serve several variants)
    for variant in variants(params):
        match = PACKAGE_ARN.match(variant.source.package_arn) if variant.source.kind == "package" else None
        if match is None:
            continue
        where = (match.group("account"), match.group("region"))
        if where != (env.account_id, env.region):
            problem = (f"model package {variant.source.package_arn!r} is in {where[0]}/{where[1]}, "
                       f"not in the environment's account {env.account_id}/{env.region}")
        elif match.group("group") != group:
            problem = (f"{variant.source.package_arn!r} is not in this workspace's registry "
                       f"({env.account_id}, {env.region}, group {group})")
        else:
            continue
        issues.setdefault(variant.source.field, (
            variant.source.field, problem,
            f"register the model in {group} and use that version's ARN, or use latest-approved"))
    return list(issues.values())


@check("serving")
def deployment_within_sagemaker_limits(params: dict[str, Any], guardrails: Guardrails) -> list[Issue]:
    """What SageMaker refuses of a blue/green rollout, refused here with its reason (provisioner/models/serving_deployment.py)."""
    from provisioner.models.serving_deployment import (
        CLOUDWATCH_DELAY_SECONDS,
        MAX_ROLLBACK_ALARMS,
        MAX_TIMEOUT_SECONDS,
        ROLLBACK_ALARMS_PER_VARIANT,
        rollout_of,
        smallest_variant,
    )

    rollout = rollout_of(params)
    if rollout is None:
        return []
    issues: list[Issue] = []
    smallest = smallest_variant(params)
    if rollout.strategy in ("canary", "linear") and smallest is not None and smallest[1] < 2:
        name, count = smallest
        issues.append((
            "serving.deployment.strategy",
            f"a {rollout.strategy} rollout shifts whole instances, at most 50% of a variant's instances per step "
            f"(SageMaker's limit), and variant {name!r} may run on {count} instance",
            "give every production variant at least 2 instances (initial_instance_count and min_instances), "
            "or use strategy all-at-once (still rolled back on alarms)"))
    if rollout.needed_seconds > MAX_TIMEOUT_SECONDS:
        issues.append((
            "serving.deployment.wait_minutes",
            f"the rollout needs up to {rollout.needed_seconds // 60} minutes ({rollout.steps} steps of "
            f"{rollout.wait_seconds // 60} minutes, a final wait and 30 minutes to start the new fleet); SageMaker "
            f"stops an update after {MAX_TIMEOUT_SECONDS // 60} minutes",
            "use fewer steps (a larger step_percent) or a shorter wait_minutes"))
    if rollout.rollback_on_alarms and rollout.wait_seconds < rollout.alarm_fire_seconds:
        datapoints, periods = rollout.alarm_datapoints
        issues.append((
            "serving.deployment.wait_minutes",
            f"{rollout.wait_seconds // 60} minutes is shorter than the rollback alarms need to fire "
            f"({datapoints} of {periods} one-minute periods above the threshold, then up to "
            f"{CLOUDWATCH_DELAY_SECONDS // 60} minutes for CloudWatch: {rollout.alarm_fire_seconds // 60} minutes), "
            "so a failing new fleet would get more traffic before its alarm could stop it",
            f"wait at least {-(-rollout.alarm_fire_seconds // 60)} minutes, or set rollback_on_alarms: false"))
    variants = params.get("serving.variants") or []
    alarms = len(variants) * ROLLBACK_ALARMS_PER_VARIANT
    if rollout.rollback_on_alarms and alarms > MAX_ROLLBACK_ALARMS:
        issues.append((
            "serving.deployment.rollback_on_alarms",
            f"{len(variants)} variants have {alarms} rollback alarms (5XX rate and latency each); SageMaker accepts "
            f"at most {MAX_ROLLBACK_ALARMS}",
            f"serve at most {MAX_ROLLBACK_ALARMS // ROLLBACK_ALARMS_PER_VARIANT} variants, or set "
            "rollback_on_alarms: false"))
    return issues
