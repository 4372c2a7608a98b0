"""Planning many workspaces at once: `jobs` Terraform plans at a time, failures collected, not raised.

    rows = plan_fleet(life, stacks, jobs=2, provision_dir=..., engine_label="terraform 1.15.5")
    # one dict per stack, in the stacks' order: {"workspace", "ok", "counts" | "error", "hint", ...}

Each plan appends its own line to `.provision/audit.log`, as a single `provision
plan` does. Plans run in threads: each is a separate engine process, so the
threads only wait.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provisioner.engine.audit_log import audited
from provisioner.engine.diagnostics import ProviderUnavailable
from provisioner.errors import OperationFailed, ProvisionError, shown

if TYPE_CHECKING:
    from collections.abc import Callable

    from provisioner.engine.bundle import PlanBundle
    from provisioner.engine.operations import Lifecycle, Stack
    from provisioner.engine.runner import EventCallback


def plan_stack(life: "Lifecycle", stack: "Stack", on_event: "EventCallback | None" = None) -> "PlanBundle":
    """Plan one stack; a provider this machine cannot get is reported as such, naming the config it synthesized."""
    try:
        return life.plan(stack, on_event=on_event)
    except ProviderUnavailable as exc:
        raise OperationFailed(
            f"{stack.name}: synthesized {shown(stack.config_path)}, but cannot plan it on this machine: "
            + exc.message.split(": ", 1)[-1], exc.hint) from None


def plan_fleet(life: "Lifecycle", stacks: list["Stack"], *, jobs: int, provision_dir: Path, engine_label: str,
               prepare: "Callable[[Stack], Stack] | None" = None) -> list[dict[str, Any]]:
    """Plan every stack, `jobs` at a time; one row per stack, failed ones with their error and hint.

    `prepare` readies each stack just before its plan (a local cloud that is not running fails its
    workspaces only); its errors are that stack's row."""

    def one(stack: "Stack") -> dict[str, Any]:
        with audited(provision_dir, "plan", stack.name) as entry:
            entry.environment = stack.environment
            entry.engine = engine_label
            try:
                bundle = plan_stack(life, prepare(stack) if prepare else stack)
            except ProvisionError as exc:
                entry.result = "failed"
                return {"workspace": stack.name, "ok": False, "error": exc.message, "hint": exc.hint}
            entry.plan_hash = bundle.plan_sha256
            entry.result = "ok" if bundle.plan_summary.has_changes else "no-changes"
            return {"workspace": stack.name, "ok": True, "counts": bundle.plan_summary.counts,
                    "bundle": str(bundle.folder), "plan_hash": bundle.plan_sha256}

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, stacks))


def fleet_failure(rows: list[dict[str, Any]]) -> OperationFailed | None:
    """The one error for a fleet plan with failures (exit 1), or None when every plan succeeded."""
    failed = [r for r in rows if not r["ok"]]
    if not failed:
        return None
    hints = sorted({r["hint"] for r in failed if r.get("hint")})
    return OperationFailed(f"{len(failed)} of {len(rows)} workspace plan(s) failed: "
                           + ", ".join(r["workspace"] for r in failed), "; ".join(hints))
