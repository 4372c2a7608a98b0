"""Monitoring rules that span several values, and what the org config says about Model Monitor."""

from __future__ import annotations

from typing import Any

from provisioner.models.monitoring import DEFAULT_PROBLEM_TYPE, LOWER_IS_BETTER, engine_of, processing_image
from provisioner.models.org import ORG_FILE, Environment, Guardrails, OrgMonitoring
from provisioner.monitoring.evaluate import QUALITY_METRICS
from provisioner.specs.checks import Issue, check


@check("monitoring")
def model_monitor_only_where_the_org_has_it(params: dict[str, Any], guardrails: Guardrails, *,
                                            org_monitoring: OrgMonitoring | None = None) -> list[Issue]:
    # AWS closed SageMaker Model Monitor to new customers: its schedules cannot be created in their accounts.
    has_it = bool(org_monitoring and org_monitoring.model_monitor)
    if params.get("monitoring.engine") == "model-monitor" and not has_it:
        return [("monitoring.engine",
                 "model-monitor needs SageMaker Model Monitor, which AWS no longer offers to new customers, and "
                 f"{ORG_FILE} does not say this organization has it",
                 "use the default engine `pipeline` (works in every account), or, if your accounts are existing "
                 f"Model Monitor customers, ask your platform team to set `monitoring: {{model_monitor: true}}` "
                 f"in {ORG_FILE}")]
    return []


@check("monitoring")
def pipeline_image_known_for_the_region(params: dict[str, Any], guardrails: Guardrails, *,
                                        env: Environment | None = None,
                                        org_monitoring: OrgMonitoring | None = None) -> list[Issue]:
    org_monitoring = org_monitoring or OrgMonitoring()
    if env is None or engine_of(params, org_monitoring.model_monitor) != "pipeline":
        return []
    if processing_image(env.region, org_monitoring.processing_images) is None:
        return [("monitoring.engine",
                 f"provision knows no SageMaker scikit-learn processing image for {env.region}, which the "
                 "monitoring pipeline runs on",
                 f"ask your platform team to add `monitoring: {{processing_images: {{{env.region}: IMAGE_URI}}}}` "
                 f"to {ORG_FILE}")]
    return []


@check("monitoring")
def quality_threshold_fits_the_problem(params: dict[str, Any], guardrails: Guardrails, *,
                                       org_monitoring: OrgMonitoring | None = None) -> list[Issue]:
    wanted = params.get("monitoring.min_quality")
    if not isinstance(wanted, dict):
        return []
    issues: list[Issue] = []
    model_monitor = bool(org_monitoring and org_monitoring.model_monitor)
    if engine_of(params, model_monitor) != "pipeline":
        issues.append(("monitoring.min_quality", "model quality is measured by the pipeline engine only",
                       "remove monitoring.min_quality, or use monitoring.engine: pipeline"))
    problem = params.get("monitoring.problem_type", DEFAULT_PROBLEM_TYPE)
    metric, threshold = wanted.get("metric"), wanted.get("threshold")
    if metric not in QUALITY_METRICS.get(problem, ()):
        issues.append(("monitoring.min_quality.metric",
                       f"{metric!r} is not a quality metric of {problem} models",
                       f"use one of: {', '.join(QUALITY_METRICS.get(problem, ()))} (or change monitoring.problem_type)"))
        return issues
    if not isinstance(threshold, (int, float)):
        return issues
    if metric in LOWER_IS_BETTER:
        if threshold <= 0:
            issues.append(("monitoring.min_quality.threshold", f"{threshold!r} is not a possible {metric} alarm "
                           f"threshold: an error is never below 0", f"give the highest acceptable {metric}, above 0"))
    elif metric == "r2":
        if threshold > 1:
            issues.append(("monitoring.min_quality.threshold", f"{threshold!r} is above 1, the best possible R2",
                           "give a threshold of at most 1"))
    elif not 0 < threshold <= 1:
        issues.append(("monitoring.min_quality.threshold", f"{threshold!r} is outside 0..1, the range of {metric}",
                       f"give the lowest acceptable {metric} as a fraction, for example 0.8"))
    return issues
