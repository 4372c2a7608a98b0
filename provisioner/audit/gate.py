"""The policy gate before an apply: an unsuppressed `error` finding stops it (exit 3).

`gate(ctx, config, plan_json)` is the function to call; `check_plan(request)`
adapts it to the engine's pre-apply hook (provisioner.engine.gates).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from provisioner.errors import PolicyBlocked

SHOWN = 3


def gate(ctx: Any, config: Path | str, plan_json: Path | str | None = None, *, checkov: bool = True,
         cache_dir: Path | None = None) -> None:
    """Raise PolicyBlocked when the config (or the plan) has an unsuppressed error finding."""
    from provisioner.audit.runner import run_audit
    from provisioner.audit.secrets import Masker

    config_path = Path(config)
    if config_path.is_dir():
        config_path = config_path / "cdk.tf.json"
    result = run_audit(config_path, ctx=ctx, plan_path=Path(plan_json) if plan_json else None, checkov=checkov,
                       cache_dir=cache_dir)
    blocking = result.blocking
    if not blocking:
        return
    masker = Masker(result.workspace.canaries if result.workspace else ())
    where = str(getattr(ctx, "spec_path", None) or config_path)
    listed = "; ".join(f"{f.rule_id} on {f.address} ({f.message})" for f in blocking[:SHOWN])
    more = f"; and {len(blocking) - SHOWN} more" if len(blocking) > SHOWN else ""
    name = getattr(ctx, "name", "NAME")
    raise PolicyBlocked(
        masker.text(f"{where}: suppressions: {len(blocking)} unsuppressed policy error(s) block this plan: {listed}{more}"),
        f"see `provision audit {name}` for the fixes; or, if a finding is accepted on purpose, add a suppression "
        f"(rule, resource, reason) to the workspace spec",
    )


def check_plan(request: Any) -> None:
    """Pre-apply hook for provisioner.engine.gates (a GateRequest): audit the config and the saved plan."""
    if getattr(request, "action", "apply") == "destroy":
        return  # removing resources cannot violate a resource policy
    stack_dir = Path(request.stack_dir)
    config = stack_dir / "cdk.tf.json" if stack_dir.is_dir() else stack_dir
    plan_json = Path(request.plan_json) if request.plan_json else None
    cache_dir = None
    if plan_json is not None and plan_json.parent.parent.name == "plans":  # .provision/plans/NAME/plan.json
        cache_dir = plan_json.parents[2] / "audit" / plan_json.parent.name
    gate(request.context, config, plan_json, cache_dir=cache_dir)
