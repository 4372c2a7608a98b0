from __future__ import annotations

from collections.abc import Mapping

from provisioner.audit.rule import PASS, Fail, rule
from provisioner.audit.secrets import looks_secret_name, secret_value_kind

# Attributes whose names look secret but hold no secret value.
HARMLESS = {"kms_master_key_id", "kms_key_id", "kms_key_arn", "kms_key", "volume_kms_key_id", "key_id", "secret_arn"}


def _scan(value, path, canaries, problems) -> None:
    if isinstance(value, Mapping):
        for key, sub in value.items():
            _scan(sub, f"{path}.{key}" if path else str(key), canaries, problems)
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            _scan(sub, f"{path}[{index}]", canaries, problems)
    elif isinstance(value, str) and value:
        leaf = path.rsplit(".", 1)[-1].split("[", 1)[0]
        if any(canary in value for canary in canaries):
            problems.append(f"{path} holds the value of a secret workspace parameter")
        elif secret_value_kind(value):
            problems.append(f"{path} holds {secret_value_kind(value)}")
        elif looks_secret_name(leaf) and leaf not in HARMLESS and "${" not in value:
            problems.append(f"{path} is a literal secret-looking value")


@rule(
    id="PROV-026",
    title="No secrets in the Terraform configuration",
    why="""The synthesized config, the saved plan and the state are stored, diffed and shown in pull
    requests; a secret in any of them is leaked. Secrets belong in Secrets Manager, referenced by ARN.""",
    fix="""Remove the value from the blueprint parameters and the constructs; store it in AWS Secrets
    Manager and pass its ARN instead.""",
    level="error",
    resource_types=("*",),
    category="secrets",
)
def check(resource, config):
    canaries = config.workspace.canaries if config.workspace else ()
    problems: list[str] = []
    _scan(dict(resource.values), "", canaries, problems)
    if problems:
        return Fail("; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))
    return PASS
