"""Checks that span several parameters of one capability (beyond one value's schema).

Each check takes the effective flat parameters and the org guardrails and
returns (field, message, hint) issues; fields are relative to `parameters.`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from provisioner.models.org import Guardrails

Issue = tuple[str, str, str]
Check = Callable[[dict[str, Any], Guardrails], list[Issue]]

CHECKS: dict[str, list[Check]] = {}


def check(capability: str) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        CHECKS.setdefault(capability, []).append(fn)
        return fn

    return register


def run_checks(capabilities: list[str], params: dict[str, Any], guardrails: Guardrails) -> list[Issue]:
    _load_all()
    issues: list[Issue] = []
    for capability in capabilities:
        for fn in CHECKS.get(capability, []):
            issues.extend((f"parameters.{f}", m, h) for f, m, h in fn(params, guardrails))
    return issues


def _load_all() -> None:
    # Capability checks live beside each other in provisioner/checks/; importing registers them.
    import importlib
    import pkgutil

    import provisioner.checks as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
