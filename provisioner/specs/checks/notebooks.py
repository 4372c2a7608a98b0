"""Notebooks rules that span several values, the spec's members and the org's environment.

The parameter schema already ties `notebooks.instance_types`,
`notebooks.default_instance_type` and `notebooks.idle_timeout_minutes` to the
org guardrails when a blueprint declares them with `guardrail:`. The
guardrail checks here hold even for a blueprint that forgets to: a blueprint
author cannot loosen an org limit.
"""

from __future__ import annotations

from typing import Any

from provisioner.models.org import ORG_FILE, Environment, Guardrails
from provisioner.specs.checks import Issue, check

# Each member adds a profile ARN (up to ~190 characters) to one statement of the workspace's
# Studio IAM policy, and one statement must fit in one managed policy (6,144 characters).
# tests/notebooks synthesize the worst case (longest org, workspace, environment, region and
# domain id, 63-character profile names, a custom image) with this many members.
MAX_MEMBERS = 25


@check("notebooks", root="spec")
def members_given(params: dict[str, Any], guardrails: Guardrails, *, members: tuple[str, ...] = ()) -> list[Issue]:
    if not members:
        return [("members", "the notebooks capability needs at least one member",
                 "list their email addresses under `members:` (one `- name@example.com` per line); "
                 "each member gets a SageMaker Studio user profile")]
    if len(members) > MAX_MEMBERS:
        return [("members", f"{len(members)} members; a workspace can have at most {MAX_MEMBERS}",
                 "split the team into several workspaces")]
    return []


@check("notebooks", root="spec")
def studio_domain_configured(params: dict[str, Any], guardrails: Guardrails, *, environment: str = "",
                             env: Environment | None = None) -> list[Issue]:
    if env is None or env.studio is not None:
        return []  # an unknown environment is reported on its own
    return [("environment",
             f"environment {environment!r} has no SageMaker Studio domain (studio.domain_id), which the notebooks "
             "capability needs",
             f"ask your platform team to add `studio: {{domain_id: d-...}}` under environments.{environment} "
             f"in {ORG_FILE}, or use an environment that has one")]


@check("notebooks")
def instance_types_allowed(params: dict[str, Any], guardrails: Guardrails) -> list[Issue]:
    allowed = guardrails.notebook_instance_types
    hint = (f"allowed: {', '.join(allowed)}" if allowed else
            f"the org allows no notebook instance types yet; ask your platform team to set "
            f"guardrails.notebook_instance_types in {ORG_FILE}")
    issues: list[Issue] = []
    types = params.get("notebooks.instance_types")
    if types is not None and not types:
        issues.append(("notebooks.instance_types", "no notebook instance type given", hint))
    for index, value in enumerate(types or []):
        if value not in allowed:
            issues.append((f"notebooks.instance_types[{index}]",
                           f"{value!r} is not allowed by the org guardrails (notebook_instance_types)", hint))
    default = params.get("notebooks.default_instance_type")
    if default is not None:
        if default not in allowed:
            issues.append(("notebooks.default_instance_type",
                           f"{default!r} is not allowed by the org guardrails (notebook_instance_types)", hint))
        elif types and default not in types:
            issues.append(("notebooks.default_instance_type",
                           f"{default!r} is not one of notebooks.instance_types ({', '.join(types)})",
                           "pick the default from the workspace's instance types, or add it to them"))
    if types is None and default is None and not allowed:
        issues.append(("notebooks.instance_types", "no notebook instance type is allowed", hint))
    return issues


@check("notebooks")
def idle_timeout_within_cap(params: dict[str, Any], guardrails: Guardrails) -> list[Issue]:
    timeout = params.get("notebooks.idle_timeout_minutes")
    cap = guardrails.max_idle_minutes
    if isinstance(timeout, int) and timeout > cap:
        return [("notebooks.idle_timeout_minutes", f"{timeout} exceeds the org guardrail max_idle_minutes ({cap})",
                 f"use at most {cap}, or ask your platform team to raise max_idle_minutes")]
    if isinstance(timeout, int) and timeout < 60:
        return [("notebooks.idle_timeout_minutes", f"{timeout} is below SageMaker's minimum idle timeout (60)",
                 "use at least 60")]
    return []
