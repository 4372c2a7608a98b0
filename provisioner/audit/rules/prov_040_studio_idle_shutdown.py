from __future__ import annotations

from provisioner.audit.resources import dig
from provisioner.audit.rule import NOT_APPLICABLE, PASS, Fail, rule
from provisioner.audit.rules._studio import IDLE_APPS, STUDIO_TYPES, first, settings_blocks


@rule(
    id="PROV-040",
    title="Studio JupyterLab and Code Editor apps shut down when idle, within the org's cap",
    why="""A notebook app left running bills its instance around the clock. Idle shutdown
    (lifecycle management ENABLED with an idle timeout) stops it; the timeout bounds
    (max_idle_timeout_in_minutes) stop users from raising it past the org's max_idle_minutes in the
    Studio UI.""",
    fix="""Give the user profile (or domain) JupyterLab and Code Editor app settings an idle_settings block
    with lifecycle_management = "ENABLED", an idle_timeout_in_minutes and a max_idle_timeout_in_minutes
    no larger than max_idle_minutes; give a space an idle timeout for its app.""",
    level="error",
    resource_types=STUDIO_TYPES,
    category="sagemaker",
)
def check(resource, config):
    cap = (config.workspace.guardrails.get("max_idle_minutes") if config.workspace else None) or None
    problems = []
    if resource.type == "aws_sagemaker_space":
        settings = first(resource.values.get("space_settings"))
        key = IDLE_APPS.get(settings.get("app_type"))
        if key is None:
            return NOT_APPLICABLE  # a Studio Classic space: its apps have no idle settings
        timeout = dig(settings, f"{key}.app_lifecycle_management.idle_settings.idle_timeout_in_minutes")
        if timeout is None:
            problems.append(f"space_settings.{key} has no idle timeout")
        elif isinstance(timeout, int) and cap and timeout > cap:
            problems.append(f"space idle timeout {timeout} min is above max_idle_minutes {cap}")
        return Fail("; ".join(problems)) if problems else PASS
    checked = False
    for label, settings in settings_blocks(resource):
        if label == "default_space_settings":
            continue  # shared spaces' defaults: checked on each space
        checked = True
        for key in IDLE_APPS.values():
            idle = first(dig(settings, f"{key}.app_lifecycle_management.idle_settings"))
            where = f"{label}.{key}"
            if idle.get("lifecycle_management") != "ENABLED":
                problems.append(f"{where}: idle shutdown is not ENABLED")
                continue
            timeout, maximum = idle.get("idle_timeout_in_minutes"), idle.get("max_idle_timeout_in_minutes")
            if timeout is None:
                problems.append(f"{where}: no idle_timeout_in_minutes")
            elif isinstance(timeout, int) and cap and timeout > cap:
                problems.append(f"{where}: idle timeout {timeout} min is above max_idle_minutes {cap}")
            if maximum is None:
                problems.append(f"{where}: no max_idle_timeout_in_minutes, so users may raise the timeout without bound")
            elif isinstance(maximum, int) and cap and maximum > cap:
                problems.append(f"{where}: users may raise the idle timeout to {maximum} min, above max_idle_minutes {cap}")
    if not checked:
        problems.append("no app settings, so apps never shut down when idle")
    return Fail("; ".join(problems)) if problems else PASS
