from __future__ import annotations

from typing import Any

from provisioner.models.org import Guardrails
from provisioner.specs.checks import Issue, check


@check("training")
def instance_types_not_empty(params: dict[str, Any], guardrails: Guardrails) -> list[Issue]:
    if not params.get("training.instance_types"):
        return [("training.instance_types", "no training instance type given",
                 f"list at least one of: {', '.join(guardrails.training_instance_types)}")]
    return []
