"""Checks that span several parameters of one capability (beyond one value's schema): one module per
capability beside this one, each check registered with `@check("capability")`.

Each check takes the effective flat parameters and the org guardrails and
returns (field, message, hint) issues; fields are relative to `parameters.`.

A check that needs more of the workspace than its parameters declares
keyword-only arguments named after entries of `CONTEXT` (for example
`members`, `env`); `run_checks` passes only what a check asks for. Such a
check may register with `root="spec"`: its fields are then relative to the top
of the workspace file (`members`, `environment`) instead of `parameters.`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from provisioner.models.org import Guardrails

Issue = tuple[str, str, str]
Check = Callable[..., list[Issue]]  # (params, guardrails, **context) -> issues

CHECKS: dict[str, list[Check]] = {}
ROOTS: dict[Check, str] = {}  # field prefix of each check's issues
# What `run_checks` can pass besides params and guardrails (all optional, for backward compatibility):
CONTEXT = (
    "environment",  # the spec's environment name
    "env",  # its Environment from the org config, or None when the name is unknown
    "members",  # the spec's members (email addresses)
    "owner",  # the spec's owner
    "org_monitoring",  # the org config's `monitoring` settings (OrgMonitoring)
    "org",  # the org's name
    "workspace",  # the spec's name (the workspace)
    "adopted",  # the spec's `adopted` as (component, name) pairs: existing resources it took over
)
ROOT_PREFIXES = {"parameters": "parameters.", "spec": ""}


def check(capability: str, *, root: str = "parameters") -> Callable[[Check], Check]:
    if root not in ROOT_PREFIXES:
        raise ValueError(f"root must be one of {', '.join(ROOT_PREFIXES)}")

    def register(fn: Check) -> Check:
        CHECKS.setdefault(capability, []).append(fn)
        ROOTS[fn] = ROOT_PREFIXES[root]
        return fn

    return register


def _wanted(fn: Check, context: dict[str, Any]) -> dict[str, Any]:
    names = inspect.signature(fn).parameters
    return {k: v for k, v in context.items() if k in names}


def run_checks(capabilities: list[str], params: dict[str, Any], guardrails: Guardrails,
               unavailable: frozenset[str] = frozenset(), **context: Any) -> list[Issue]:
    """Every check of `capabilities`; a check that asks for a context entry named in `unavailable` (its spec
    field was itself invalid, and reported) is skipped rather than judged on a value that is not there."""
    unknown = sorted((set(context) | set(unavailable)) - set(CONTEXT))
    if unknown:
        raise TypeError(f"unknown check context {unknown}; known: {', '.join(CONTEXT)}")
    _load_all()
    issues: list[Issue] = []
    for capability in capabilities:
        for fn in CHECKS.get(capability, []):
            if unavailable & set(inspect.signature(fn).parameters):
                continue
            prefix = ROOTS.get(fn, "parameters.")
            issues.extend((f"{prefix}{f}", m, h) for f, m, h in fn(params, guardrails, **_wanted(fn, context)))
    return issues


def _load_all() -> None:
    # Capability checks live in this package's modules; importing one registers its checks.
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
