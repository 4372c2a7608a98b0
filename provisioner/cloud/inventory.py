"""Inventory: the live resources of an org, grouped by workspace, and what needs attention.

    report = take_inventory(org, environments=["dev"])   # None: every environment of the account

For every region of the selected environments whose account the credentials
belong to, one Tagging API query finds the resources tagged `provision:org`.
They are grouped by `provision:workspace`, and three kinds of findings are
flagged:

- orphans: tagged with a workspace that has no spec in `workspaces/`, whose
  spec is for another environment, or with an environment the org no longer has;
- untagged ML resources: training jobs (created in the last `since_days`
  days), models and endpoints without a `provision:workspace` tag;
- expired workspaces: specs whose `expires` date has passed, with the number
  of live resources they still hold.

Environments of other accounts are skipped and listed as such: one set of
credentials sees one account.

With `attribute=True` each orphan and untagged ML resource is also attributed
(provisioner/cloud/attribution.py): its creator from CloudTrail, its age, when
it was last used and its monthly cost from the audit's price table, most
expensive first in `report.attributions`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from provisioner.cloud.access import access
from provisioner.cloud.attribution import Attribution, Finding, attribute as attribute_findings, by_cost
from provisioner.cloud.aws import Aws, aws_errors
from provisioner.cloud.resources import (
    ML_RESOURCE_TYPES,
    TAG_ENVIRONMENT,
    TAG_ORG,
    TAG_WORKSPACE,
    LiveResource,
    tagged_resources,
    without_keys_pending_deletion,
)
from provisioner.errors import InvalidInput, OperationFailed
from provisioner.models.org import Org
from provisioner.runtime import clock

SHARED = "(shared)"  # resources of the org without a workspace, such as the state bucket


@dataclass(frozen=True)
class Orphan:
    workspace: str
    environment: str | None
    reason: str
    resources: tuple[LiveResource, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"workspace": self.workspace, "environment": self.environment, "reason": self.reason,
                "resources": [r.to_dict() for r in self.resources]}


@dataclass(frozen=True)
class Expired:
    workspace: str
    environment: str
    expires: dt.date
    days_past: int
    live_resources: int | None  # None: its environment was not scanned

    def to_dict(self) -> dict[str, Any]:
        return {"workspace": self.workspace, "environment": self.environment, "expires": self.expires.isoformat(),
                "days_past": self.days_past, "live_resources": self.live_resources}


@dataclass
class InventoryReport:
    org: str
    account_id: str
    regions: list[str]
    environments: list[str]  # scanned
    skipped: dict[str, str] = field(default_factory=dict)  # environment -> why
    workspaces: dict[str, list[LiveResource]] = field(default_factory=dict)
    orphans: list[Orphan] = field(default_factory=list)
    untagged: list[LiveResource] = field(default_factory=list)
    expired: list[Expired] = field(default_factory=list)
    spec_problems: list[str] = field(default_factory=list)
    pending_deletion: list[LiveResource] = field(default_factory=list)  # KMS keys a destroy scheduled for deletion
    attributions: list[Attribution] = field(default_factory=list)  # the findings' creators, ages, use and cost
    as_of: dt.date | None = None  # the day ages and expiry are counted to

    def findings_of(self) -> list[Finding]:
        """Each orphan's resources and each untagged ML resource, as attribution takes them."""
        found = [Finding(resource, "orphan", orphan.reason) for orphan in self.orphans for resource in orphan.resources]
        return found + [Finding(resource, "untagged", "no provision:workspace tag") for resource in self.untagged]

    @property
    def findings(self) -> int:
        return len(self.orphans) + len(self.untagged) + len(self.expired)

    def to_dict(self) -> dict[str, Any]:
        return {
            "org": self.org, "account_id": self.account_id, "regions": self.regions,
            "environments": self.environments, "skipped_environments": self.skipped,
            "workspaces": {name: [r.to_dict() for r in items] for name, items in sorted(self.workspaces.items())},
            "orphans": [o.to_dict() for o in self.orphans],
            "untagged": [r.to_dict() for r in self.untagged],
            "expired": [e.to_dict() for e in self.expired],
            "spec_problems": self.spec_problems,
            "pending_deletion": [r.to_dict() for r in self.pending_deletion],
            **({"attributions": [a.to_dict() for a in self.attributions]} if self.attributions else {}),
        }


@dataclass(frozen=True)
class _Spec:
    name: str
    environment: str
    expires: dt.date | None


def _specs(org: Org) -> tuple[dict[str, _Spec], list[str]]:
    """Names, environments and expiry of every spec; a broken spec is reported, not fatal."""
    from provisioner.specs.workspaces import load_spec, workspace_files

    specs: dict[str, _Spec] = {}
    problems: list[str] = []
    for path in workspace_files(org):
        try:
            spec = load_spec(path)
        except InvalidInput as exc:
            problems.extend(exc.lines())
            specs[path.stem] = _Spec(path.stem, "", None)  # still a spec: its resources are not orphans
            continue
        specs[spec.name] = _Spec(spec.name, spec.environment, spec.expires)
    return specs, problems


def take_inventory(
    org: Org,
    environments: list[str] | None = None,
    *,
    aws: Aws | None = None,
    today: dt.date | None = None,
    since_days: int = 30,
    attribute: bool = False,
    prices: Any = None,
) -> InventoryReport:
    config = org.config
    today = today or clock.today()
    unknown = [name for name in environments or [] if name not in config.environments]
    if unknown:
        raise InvalidInput([org.unknown_environment(name, "<command line>", "--env") for name in unknown])
    selected = list(environments or config.environments)
    aws = aws or Aws()
    # Each environment with a deploy role or profile through its own session (the one access seam); the others
    # share `aws`. The local cloud and AWS are scanned apart, each with its own session.
    sessions: dict[str, Aws] = {}
    skipped: dict[str, str] = {}
    for name in selected:
        env = config.environments[name]
        if env.is_local != aws.is_local:
            skipped[name] = ("the local cloud: scan it with `provision inventory --env " + name + "`"
                             if env.is_local else "an AWS environment: this scan is of the local cloud")
            continue
        sessions[name] = access(org.root, name, env).aws() if env.deploy_role_arn or env.profile else aws
    first = next(iter(sessions), selected[0])
    report = InventoryReport(org.name, sessions.get(first, aws).identity(config.environments[first].region).account_id,
                             [], [])
    report.skipped.update(skipped)
    scans: dict[tuple[int, str], tuple[Aws, list[str]]] = {}
    for name in sessions:
        env, session = config.environments[name], sessions[name]
        identity = session.identity(env.region)
        if env.account_id != identity.account_id:
            via = f"the deploy role {session.role_arn} lands in" if session.role_arn else "the credentials are for"
            report.skipped[name] = (f"account {env.account_id}; {via} {identity.account_id}: "
                                    "rerun with credentials for that account")
            continue
        report.environments.append(name)
        scans.setdefault((id(session), env.region), (session, []))[1].append(name)
    if not report.environments:
        raise OperationFailed(
            f"the AWS credentials are for account {report.account_id}, which none of the selected environments "
            f"({', '.join(selected)}) uses",
            "use credentials for one of their accounts (AWS_PROFILE=...), give them deploy roles in provision.yaml, "
            "or pick environments with --env",
        )
    report.regions = sorted({region for _, region in scans})
    specs, report.spec_problems = _specs(org)
    live: list[LiveResource] = []
    for (_, region), (session, names) in scans.items():
        filters: dict[str, Any] = {TAG_ORG: [org.name]}
        if environments or len(scans) > 1:
            # An explicit selection, or several accounts: each scan claims only its own environments
            # (otherwise also find environments the org no longer has).
            filters[TAG_ENVIRONMENT] = names
        with aws_errors(f"listing tagged resources in {region}"):
            found, pending = without_keys_pending_deletion(
                session.client("kms", region), tagged_resources(session.client("resourcegroupstaggingapi", region), filters))
            live.extend(found)
            report.pending_deletion.extend(pending)
            report.untagged.extend(_untagged_ml(session, region, since_days))
    _group(report, live, specs, org)
    _expired(report, specs, selected, today)
    report.as_of = today
    if attribute:
        _attribute(report, scans, prices, today, since_days)
    return report


def _attribute(report: InventoryReport, scans: dict[tuple[int, str], tuple[Aws, list[str]]], prices: Any,
               today: dt.date, since_days: int) -> None:
    """Each finding attributed through the session of the region it lives in (buckets: the first scanned)."""
    from provisioner.audit.cost import PriceTable

    prices = prices or PriceTable.load()
    sessions = {region: session for (_, region), (session, _) in scans.items()}
    first = next(iter(sessions))
    by_region: dict[str, list[Finding]] = {}
    for finding in report.findings_of():
        region = finding.resource.region if finding.resource.region in sessions else first
        by_region.setdefault(region, []).append(finding)
    rows: list[Attribution] = []
    for region, findings in sorted(by_region.items()):
        rows.extend(attribute_findings(sessions[region], region, findings, prices, today=today, since_days=since_days))
    report.attributions = by_cost(rows)


def _group(report: InventoryReport, live: list[LiveResource], specs: dict[str, _Spec], org: Org) -> None:
    orphans: dict[tuple[str, str | None, str], list[LiveResource]] = {}
    for resource in live:
        name = resource.workspace
        env = resource.environment
        if not name:
            report.workspaces.setdefault(SHARED, []).append(resource)
            continue
        spec = specs.get(name)
        if env and env not in org.config.environments:
            reason = f"environment {env!r} is not in {org.path.name}"
        elif spec is None:
            reason = f"no spec workspaces/{name}.yaml"
        elif spec.environment and env and spec.environment != env:
            reason = f"the spec is for environment {spec.environment!r}, the resources are tagged {env!r}"
        else:
            report.workspaces.setdefault(name, []).append(resource)
            continue
        orphans.setdefault((name, env, reason), []).append(resource)
    ordered = sorted(orphans.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
    report.orphans = [Orphan(name, env, reason, tuple(items)) for (name, env, reason), items in ordered]


def _expired(report: InventoryReport, specs: dict[str, _Spec], selected: list[str], today: dt.date) -> None:
    for spec in sorted(specs.values(), key=lambda s: s.name):
        if spec.expires is None or spec.expires >= today or spec.environment not in selected:
            continue
        scanned = spec.environment in report.environments
        live = len(report.workspaces.get(spec.name, [])) if scanned else None
        report.expired.append(Expired(spec.name, spec.environment, spec.expires, (today - spec.expires).days, live))


def _untagged_ml(aws: Aws, region: str, since_days: int) -> list[LiveResource]:
    """Training jobs, models and endpoints in `region` that no `provision:workspace` tag claims."""
    tagging = aws.client("resourcegroupstaggingapi", region)
    # One bulk query returns the tags of every tagged ML resource; those it does not return have no tags at all.
    # SageMaker ARNs are case-insensitive (AWS reports some in lower case): compare them lowered.
    known = {r.arn.lower(): r.tags for r in tagged_resources(tagging, {}, ML_RESOURCE_TYPES)}
    sagemaker = aws.client("sagemaker", region)
    since = clock.now() - dt.timedelta(days=since_days)
    listings = (
        ("list_training_jobs", "TrainingJobSummaries", "TrainingJobArn", {"CreationTimeAfter": since}),
        ("list_models", "Models", "ModelArn", {}),
        ("list_endpoints", "Endpoints", "EndpointArn", {}),
    )
    untagged: list[LiveResource] = []
    for operation, key, arn_key, kwargs in listings:
        for page in sagemaker.get_paginator(operation).paginate(**kwargs):
            for item in page.get(key, []):
                arn = item[arn_key]
                tags = known.get(arn.lower(), {})
                if TAG_WORKSPACE not in tags:
                    untagged.append(LiveResource(arn, tags))
    return sorted(untagged, key=lambda r: (r.type, r.arn))
