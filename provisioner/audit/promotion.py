"""What an auditor asks about model promotion: where each served model came from, and what other accounts may read.

- `served_models`: every SageMaker model of the config built from a model package, with the
  package's origin as the spec's `model_origins` records it (`provision models promote` writes it:
  source version and account, who approved it there, who promoted it, when). A package with no
  recorded origin was registered in the workspace itself.
- `cross_account`: every resource policy statement that names another AWS account (PROV-034 and
  PROV-035 judge them; this lists them).
"""

from __future__ import annotations

from typing import Any

from provisioner.audit.config import Config
from provisioner.audit.resources import blocks
from provisioner.audit.rules._common import RESOURCE_POLICY_ATTRIBUTES, account_grants
from provisioner.specs.model_sources import PACKAGE_ARN


def served_models(config: Config) -> list[dict[str, Any]]:
    origins = {o.get("package"): o for o in (config.workspace.model_origins if config.workspace else ())}
    served = []
    for model in config.of_type("aws_sagemaker_model"):
        containers = blocks(model.values.get("primary_container")) + blocks(model.values.get("container"))
        for container in containers:
            package = container.get("model_package_name")
            if not isinstance(package, str) or not package:
                continue
            origin = origins.get(package)
            entry: dict[str, Any] = {"model": model.address, "package": package, "origin": None}
            if origin:
                match = PACKAGE_ARN.match(origin.get("source", ""))
                entry["origin"] = {
                    "source": origin.get("source"), "source_account": match.group("account") if match else None,
                    "source_version": int(match.group("version")) if match else None,
                    "approved_by": origin.get("approved_by"), "promoted_by": origin.get("promoted_by"),
                    "promoted_at": origin.get("promoted_at"),
                }
            served.append(entry)
    return served


def cross_account(config: Config) -> list[dict[str, Any]]:
    own = config.workspace.account_id if config.workspace else ""
    grants = []
    for resource in config.of_type(*RESOURCE_POLICY_ATTRIBUTES):
        found = account_grants(resource, config)
        if isinstance(found, str):
            continue
        for label, statement, account in found:
            if account != own:
                grants.append({"resource": resource.address, "statement": label, "account": account,
                               "actions": sorted(statement.actions)})
    return grants
