from __future__ import annotations

from provisioner.audit.rule import NOT_APPLICABLE, PASS, Fail, rule
from provisioner.audit.rules._studio import STUDIO_TYPES, default_instance_types, notebook_instance_types, settings_blocks


@rule(
    id="PROV-041",
    title="Studio apps start on an allowed notebook instance type",
    why="""The default instance type is what every notebook starts on. It must be one of the workspace's
    notebook instance types (a subset of the org's notebook_instance_types), or the first click in
    Studio runs on an instance the org did not approve, and IAM then refuses to start it.""",
    fix="Set default_resource_spec.instance_type of the JupyterLab and Code Editor settings to an allowed type (notebooks.default_instance_type).",
    level="error",
    resource_types=STUDIO_TYPES,
    category="sagemaker",
)
def check(resource, config):
    allowed = notebook_instance_types(config.workspace)
    if not allowed:
        return NOT_APPLICABLE  # no allowlist known to compare with
    found = [(f"{label}.{key}", kind) for label, settings in settings_blocks(resource)
             for key, kind in default_instance_types(settings)]
    if not found:
        return NOT_APPLICABLE
    outside = [f"{where} uses {kind}" for where, kind in found if kind not in allowed]
    if outside:
        return Fail(f"{'; '.join(outside)}, not one of {', '.join(allowed)}")
    return PASS
