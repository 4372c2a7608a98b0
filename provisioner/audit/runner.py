"""Runs a whole audit: rule pack on the config (and the plan), checkov, suppressions, cost, IAM, changes."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provisioner.audit.baseline import baseline_suppressions
from provisioner.audit.checkov import CheckovRun, run_checkov
from provisioner.audit.config import Config, WorkspaceFacts, load_config, load_plan
from provisioner.audit.cost import CostEstimate, PriceTable, estimate
from provisioner.audit.diff import ConfigDiff, diff_configs, diff_from_plan
from provisioner.audit.pack import (
    Finding,
    PackResult,
    SuppressionEntry,
    apply_suppressions,
    merge_findings,
    run_pack,
    suppressions_from_context,
)
from provisioner.audit.rules import load_rules


@dataclass
class AuditResult:
    config: Config
    workspace: WorkspaceFacts | None
    findings: list[Finding]
    suppressions: list[SuppressionEntry]
    unused_suppressions: list[SuppressionEntry]
    pack: PackResult
    plan: Config | None = None
    plan_pack: PackResult | None = None
    checkov: list[CheckovRun] = field(default_factory=list)
    cost: CostEstimate | None = None
    changes: ConfigDiff | None = None
    previous_config: Path | None = None
    spec_path: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    plan_record: dict[str, Any] | None = None  # which saved plan this is, and whether applied or stale (engine.bundle)

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning" and not f.suppressed]

    @property
    def suppressed(self) -> list[Finding]:
        return [f for f in self.findings if f.suppressed]


def run_audit(
    config_path: Path,
    *,
    ctx: Any = None,
    plan_path: Path | None = None,
    previous_config_path: Path | None = None,
    checkov: bool = True,
    cache_dir: Path | None = None,
    prices_path: Path | None = None,
    extra_canaries: tuple[str, ...] = (),
    region: str | None = None,
    plan_summary: dict[str, Any] | None = None,
    plan_record: dict[str, Any] | None = None,
) -> AuditResult:
    """Audit a synthesized config, and the saved plan at `plan_path` when given.

    `plan_summary` is that plan's own summary (its bundle.json: argument values judged before redaction) and
    `plan_record` says which plan it is and whether it was applied or is stale
    (provisioner.engine.bundle.provenance)."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    facts = WorkspaceFacts.from_context(ctx, extra_canaries) if ctx is not None else (
        WorkspaceFacts(canaries=tuple(extra_canaries)) if extra_canaries else None)
    config = load_config(Path(config_path), workspace=facts)
    rules = load_rules()
    pack = run_pack(config, rules)
    groups: list[list[Finding]] = [pack.findings]
    plan = plan_pack = None
    if plan_path is not None and Path(plan_path).is_file():
        plan = load_plan(Path(plan_path), base=config, workspace=facts)
        plan_pack = run_pack(plan, rules)
        groups.append(plan_pack.findings)
    timings["pack"] = time.perf_counter() - started

    runs: list[CheckovRun] = []
    if checkov:
        mark = time.perf_counter()
        runs.append(run_checkov(Path(config_path), config, cache_dir=cache_dir))
        if plan is not None and runs[0].status == "ok":
            runs.append(run_checkov(Path(plan_path), plan, framework="terraform_plan", cache_dir=cache_dir))
        for run in runs:
            groups.append(run.findings)
        timings["checkov"] = time.perf_counter() - mark
    else:
        runs.append(CheckovRun("disabled", "checkov was not run (--no-checkov)"))

    mark = time.perf_counter()
    own = suppressions_from_context(ctx)
    entries = own + baseline_suppressions(config)
    findings, unused = apply_suppressions(merge_findings(*groups), entries)
    unused = [u for u in unused if u.origin != "baseline"]
    region = region or (ctx.region if ctx is not None else _provider_region(config))
    cost = estimate(config, PriceTable.load(prices_path), region, facts.parameters if facts else {},
                    facts.guardrails if facts else {})
    changes = None
    if plan is not None:
        from provisioner.audit.secrets import Masker

        changes = diff_from_plan(dict(plan.raw), summary=plan_summary, masker=Masker(facts.canaries if facts else ()))
    elif previous_config_path is not None and Path(previous_config_path).is_file():
        changes = diff_configs(load_config(Path(previous_config_path)), config)
    timings["report_inputs"] = time.perf_counter() - mark
    return AuditResult(config, facts, findings, entries, unused, pack, plan, plan_pack, runs, cost, changes,
                       Path(previous_config_path) if previous_config_path else None,
                       getattr(ctx, "spec_path", None), timings, plan_record)


def _provider_region(config: Config) -> str:
    providers = (config.raw.get("provider") or {}).get("aws") or [{}]
    first = providers[0] if isinstance(providers, list) and providers else {}
    return str(first.get("region") or "us-east-1") if isinstance(first, dict) else "us-east-1"


def applied_config_path(provision_dir: Path, name: str) -> Path:
    """Where the config of a workspace's last successful apply is kept (see `record_applied`)."""
    return Path(provision_dir) / "applied" / name / "cdk.tf.json"


def record_applied(provision_dir: Path, name: str, config_path: Path) -> Path:
    """Keep a copy of the config that was just applied, so the next audit can show what changes."""
    target = applied_config_path(provision_dir, name)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(Path(config_path).read_text(encoding="utf-8"))
    target.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return target
