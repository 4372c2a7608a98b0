"""Runs the rule pack on a config and applies suppressions.

Findings from the built-in pack and from checkov share one shape, so that
suppressions, the gate and every report treat them alike.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from provisioner.audit.config import Config
from provisioner.audit.rule import NOT_APPLICABLE, PASS, Fail, Rule

LEVELS = ("error", "warning")


@dataclass(frozen=True)
class Finding:
    rule_id: str
    level: str  # "error" or "warning"
    title: str
    address: str  # Terraform address, for example `aws_s3_bucket.data`
    resource_type: str
    message: str
    fix: str
    tool: str = "provision"  # or "checkov"
    sources: tuple[str, ...] = ("config",)  # which views found it: "config", "plan"
    suppressed_by: "SuppressionEntry | None" = None
    line: int = 0

    @property
    def suppressed(self) -> bool:
        return self.suppressed_by is not None

    @property
    def blocking(self) -> bool:
        return self.level == "error" and not self.suppressed

    def key(self) -> tuple[str, str, str]:
        return (self.rule_id, self.address, self.message)


@dataclass(frozen=True)
class SuppressionEntry:
    """A suppression and where it was written (`blueprint`, `workspace` or `baseline`)."""

    rule: str
    resource: str
    reason: str
    origin: str
    file: str = ""

    def matches(self, finding: Finding) -> bool:
        if self.rule != finding.rule_id:
            return False
        if self.resource in ("*", finding.address):
            return True
        base = finding.address.split("[", 1)[0]
        return self.resource == base or fnmatch.fnmatchcase(finding.address, self.resource)


@dataclass
class RuleStats:
    passed: int = 0
    failed: int = 0
    not_applicable: int = 0


@dataclass
class PackResult:
    findings: list[Finding] = field(default_factory=list)
    stats: dict[str, RuleStats] = field(default_factory=dict)
    resources_checked: int = 0
    outcomes: dict[tuple[str, str], str] = field(default_factory=dict)  # (rule id, address) -> "pass" | "fail"


def run_pack(config: Config, rules: Iterable[Rule]) -> PackResult:
    """Evaluate every rule on every resource it applies to."""
    result = PackResult()
    resources = [r for r in config.resources.values()]
    result.resources_checked = sum(1 for r in resources if r.mode == "managed")
    for rule in rules:
        stats = result.stats.setdefault(rule.id, RuleStats())
        everything = "*" in rule.resource_types
        for resource in resources:
            # A `*` rule (the secrets rule) also reads data sources, outputs, variables and providers.
            if not everything and (resource.mode != "managed" or resource.type not in rule.resource_types):
                continue
            outcome = rule.check(resource, config)
            if outcome is PASS:
                stats.passed += 1
                result.outcomes[(rule.id, resource.address)] = "pass"
            elif outcome is NOT_APPLICABLE:
                stats.not_applicable += 1
            elif isinstance(outcome, Fail):
                stats.failed += 1
                result.outcomes[(rule.id, resource.address)] = "fail"
                result.findings.append(Finding(rule.id, rule.level, rule.title, resource.address, resource.type,
                                               outcome.message, rule.fix, sources=(config.source,), line=resource.line))
            else:  # a rule returned something else: a bug in the rule, reported, never ignored
                raise TypeError(f"{rule.module}: check returned {outcome!r}; return PASS, NOT_APPLICABLE or Fail(...)")
    return result


def merge_findings(*groups: Iterable[Finding]) -> list[Finding]:
    """One finding per (rule, resource, message), remembering every view that produced it."""
    merged: dict[tuple[str, str, str], Finding] = {}
    for group in groups:
        for finding in group:
            known = merged.get(finding.key())
            if known is None:
                merged[finding.key()] = finding
            else:
                sources = tuple(dict.fromkeys(known.sources + finding.sources))
                merged[finding.key()] = replace(known, sources=sources)
    return sorted(merged.values(), key=lambda f: (LEVELS.index(f.level) if f.level in LEVELS else 9, f.rule_id, f.address))


def apply_suppressions(findings: list[Finding], suppressions: Iterable[SuppressionEntry]) -> tuple[list[Finding], list[SuppressionEntry]]:
    """Mark suppressed findings; return them and the suppressions that matched nothing."""
    entries = list(suppressions)
    used: set[int] = set()
    out = []
    for finding in findings:
        for index, entry in enumerate(entries):
            if entry.matches(finding):
                used.add(index)
                finding = replace(finding, suppressed_by=entry)
                break
        out.append(finding)
    return out, [e for i, e in enumerate(entries) if i not in used]


def suppressions_from_context(ctx: Any) -> list[SuppressionEntry]:
    """The blueprint's and the workspace spec's suppressions, each with its origin."""
    if ctx is None:
        return []
    blueprint = list(ctx.blueprint.suppressions)
    entries = []
    for item in ctx.suppressions:
        from_blueprint = item in blueprint
        origin = "blueprint" if from_blueprint else "workspace"
        path = ctx.blueprint_path if from_blueprint else ctx.spec_path
        entries.append(SuppressionEntry(item.rule, item.resource, item.reason, origin, str(path or "")))
    return entries
