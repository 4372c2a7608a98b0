"""The hook where checks run before anything is applied: the audit gate and the cloud preflight.

`run_pre_apply_gates(request)` is called by `provision apply` and `provision
destroy` after the saved plan was found current and before the user is asked
to confirm, so nobody confirms a change that is about to be blocked. A gate is
a function `gate(request: GateRequest) -> None` that raises
`PolicyBlocked` (exit 3) or `OperationFailed` (exit 1) to stop the run, or
returns to let it go on. Gates are listed by dotted path, like the CLI's
command modules, and imported only when an apply runs:

    PRE_APPLY_GATES = [
        "provisioner.audit.gate:check_plan",        # policy findings on plan.json
        "provisioner.cloud.preflight:gate",         # credentials, account, region, state, quotas
    ]

`provision apply --skip-preflight` leaves out the gates whose path contains
"preflight". `request.action` says whether an apply or a destroy is coming.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provisioner.engine.summary import PlanSummary

# Dotted paths "module:function" of the gates to run, in order: policy first (exit 3), then the
# cloud preflight (credentials, account, region, state bucket, GPU quotas; exit 1).
PRE_APPLY_GATES: list[str] = [
    "provisioner.audit.gate:check_plan",
    "provisioner.cloud.preflight:gate",
]


@dataclass(frozen=True)
class GateRequest:
    workspace: str
    environment: str
    action: str  # "apply" or "destroy"
    stack_dir: Path  # the synthesized config (cdk.tf.json) the plan was made from
    plan_file: Path  # Terraform's saved plan
    plan_json: Path  # `show -json` of it, sensitive values masked
    summary: PlanSummary
    context: Any = None  # the WorkspaceContext, when the CLI runs the apply


Gate = Callable[[GateRequest], None]


def load_gate(path: str) -> Gate:
    module_name, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module_name), attribute or "gate")


def run_pre_apply_gates(request: GateRequest, gates: list[str | Gate] | None = None) -> None:
    """Run every gate; the first one that raises stops the apply."""
    for gate in PRE_APPLY_GATES if gates is None else gates:
        (load_gate(gate) if isinstance(gate, str) else gate)(request)
