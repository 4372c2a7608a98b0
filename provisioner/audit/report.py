"""The audit report as one JSON-ready dict, masked; every format renders from it.

Fields (schema `provision-audit/1`, documented in docs/auditor-guide.md) are
stable: new fields may be added, none are renamed or removed within a schema
version.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from provisioner.audit.iam_summary import summarize
from provisioner.audit.inventory import coverage, inventory
from provisioner.audit.pack import Finding, SuppressionEntry
from provisioner.audit.promotion import cross_account, served_models
from provisioner.audit.rules import load_rules
from provisioner.audit.runner import AuditResult
from provisioner.audit.secrets import Masker

SCHEMA = "provision-audit/1"


def _version() -> str:
    from provisioner.runtime.versions import own_distribution

    own = own_distribution()
    return str(own.version) if own is not None else "0"  # "0": running from a bare checkout


def _relative(path: Path | str | None, base: Path | None) -> str | None:
    if path is None:
        return None
    path = Path(path)
    if base is not None:
        try:
            return os.path.relpath(path.resolve(), Path(base).resolve())
        except ValueError:
            pass
    return str(path)


def finding_dict(finding: Finding) -> dict[str, Any]:
    entry = finding.suppressed_by
    return {
        "rule_id": finding.rule_id, "tool": finding.tool, "level": finding.level, "title": finding.title,
        "address": finding.address, "resource_type": finding.resource_type, "message": finding.message,
        "fix": finding.fix, "sources": list(finding.sources), "suppressed": finding.suppressed,
        "suppression": None if entry is None else suppression_dict(entry), "line": finding.line,
    }


def suppression_dict(entry: SuppressionEntry) -> dict[str, Any]:
    return {"rule": entry.rule, "resource": entry.resource, "reason": entry.reason, "origin": entry.origin, "file": entry.file}


def _deploy_role(facts: Any) -> dict[str, Any] | None:
    """The role plan and apply run as in the workspace's account, and what its boundary allows (org config)."""
    if facts is None or not facts.deploy_role_arn:
        return None
    from provisioner.cloud.deploy_role import boundary_summary

    return {"role_arn": facts.deploy_role_arn, **boundary_summary(facts.org, facts.deploy_role_arn)}


def build_report(result: AuditResult, *, base_dir: Path | None = None) -> dict[str, Any]:
    rules = load_rules()
    facts = result.workspace
    stats = result.pack.stats
    checkov_runs = [run.to_dict() for run in result.checkov]
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "tool": {"name": "provision", "version": _version()},
        "workspace": None if facts is None or not facts.name else {
            "name": facts.name, "org": facts.org, "environment": facts.environment, "blueprint": facts.blueprint,
            "capabilities": list(facts.capabilities), "tags": dict(facts.tags), "parameters": dict(facts.parameters),
        },
        "sources": {
            "config": _relative(result.config.path, base_dir),
            "plan": _relative(result.plan.path, base_dir) if result.plan is not None else None,
            "previous_config": _relative(result.previous_config, base_dir),
            "spec": _relative(result.spec_path, base_dir),
        },
        "summary": {
            "resources": len(result.config.managed()),
            "blocked": bool(result.blocking),
            "errors": len(result.blocking),
            "warnings": len(result.warnings),
            "suppressed": len(result.suppressed),
            "unused_suppressions": len(result.unused_suppressions),
            "rules": len(rules),
            "checkov": result.checkov[0].status if result.checkov else "disabled",
            "monthly_cost_usd": result.cost.to_dict()["monthly_total_usd"] if result.cost else None,
        },
        "inventory": inventory(result.config),
        "iam": summarize(result.config),
        "deploy_role": _deploy_role(facts),
        "served_models": served_models(result.config),
        "cross_account": cross_account(result.config),
        "coverage": coverage(result.config, result.pack, rules, result.findings),
        "cost": result.cost.to_dict() if result.cost else None,
        "findings": [finding_dict(f) for f in result.findings],
        "suppressions": {
            "applied": [suppression_dict(s) for s in result.suppressions
                        if any(f.suppressed_by == s for f in result.findings)],
            "unused": [suppression_dict(s) for s in result.unused_suppressions],
        },
        "checkov": checkov_runs,
        "changes": result.changes.to_dict() if result.changes is not None else None,
        "plan": result.plan_record,
        "rules": [
            {"id": r.id, "title": r.title, "level": r.level, "category": r.category,
             "passed": stats[r.id].passed if r.id in stats else 0, "failed": stats[r.id].failed if r.id in stats else 0,
             "not_applicable": stats[r.id].not_applicable if r.id in stats else 0}
            for r in rules
        ],
    }
    return Masker(facts.canaries if facts else ()).mask(report)
