"""Helpers of the Studio and notebook rules (PROV-040..045); not a rule (the registry skips `_` modules)."""

from __future__ import annotations

from typing import Any

from provisioner.audit.resources import Resource, blocks, dig

STUDIO_TYPES = ("aws_sagemaker_user_profile", "aws_sagemaker_space", "aws_sagemaker_domain")
# Studio apps that have idle shutdown settings (IdleSettings in the SageMaker API).
IDLE_APPS = {"JupyterLab": "jupyter_lab_app_settings", "CodeEditor": "code_editor_app_settings"}


def first(value: Any) -> dict[str, Any]:
    found = blocks(value)
    return found[0] if found else {}


def settings_blocks(resource: Resource) -> list[tuple[str, dict[str, Any]]]:
    """(label, settings) of the app settings a Studio resource defines: a profile's user settings,
    a domain's default user and space settings, a space's space settings."""
    values = resource.values
    if resource.type == "aws_sagemaker_user_profile":
        names = ("user_settings",)
    elif resource.type == "aws_sagemaker_domain":
        names = ("default_user_settings", "default_space_settings")
    elif resource.type == "aws_sagemaker_space":
        names = ("space_settings",)
    else:
        names = ()
    return [(name, first(values.get(name))) for name in names if first(values.get(name))]


def default_instance_types(settings: dict[str, Any]) -> list[tuple[str, str]]:
    """(app settings key, instance type) of every default resource spec in a settings block."""
    found = []
    for key in ("jupyter_lab_app_settings", "code_editor_app_settings", "kernel_gateway_app_settings",
                "jupyter_server_app_settings"):
        instance_type = dig(settings, f"{key}.default_resource_spec.instance_type")
        if isinstance(instance_type, str) and instance_type:
            found.append((key, instance_type))
    return found


def notebook_instance_types(workspace: Any) -> list[str]:
    """The instance types the workspace's notebooks may use: its parameter, else the org allowlist."""
    if workspace is None:
        return []
    return list(workspace.parameters.get("notebooks.instance_types")
                or workspace.guardrails.get("notebook_instance_types") or [])
