"""Who made a resource nobody claims, how old it is, when it was last used and what it costs a month.

    rows = attribute(aws, region, findings, prices, today=dt.date(2026, 6, 1))

For each orphan or untagged ML resource the inventory found (`Finding`), one `Attribution`:

- creator: the `Username` of its create call in CloudTrail's event history (LookupEvents by the
  resource's name). AWS keeps that history 90 days: an older resource's creator is unknown, and says so;
- age: from the resource's own creation time (Describe...), else from the create call's time;
- last used: endpoints, from their `Invocations` in CloudWatch (AWS/SageMaker, per variant, daily sums over
  `since_days`); training jobs, when they ended (or now, while they run); a model registry, when its newest
  version was registered. Other kinds have no usage signal the APIs give cheaply: `None`, with the reason;
- monthly cost: from the audit's price table (provisioner/audit/cost.py): an endpoint's instances all month,
  a running training job's instances as if it ran all month; a model, a finished job or a registry cost
  nothing while nobody uses them; storage (buckets, image repositories) is not in the table and says so.

Rows come back most expensive first. A call AWS refuses (no permission, a service the local cloud lacks)
leaves its field empty with the reason in `notes`; the inventory never fails for want of an attribution.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from provisioner.cloud.resources import LiveResource

if TYPE_CHECKING:
    from provisioner.audit.cost import PriceTable
    from provisioner.cloud.aws import Aws

HISTORY_DAYS = 90  # CloudTrail's event history keeps management events this long
# Kinds that hold data: retiring one loses it, so they are listed apart and need an explicit flag.
DATA_HOLDING_TYPES = ("s3:bucket", "sagemaker:model-package-group", "ecr:repository")


@dataclass(frozen=True)
class Finding:
    """A resource the inventory flagged: an orphan (with the workspace its tags name) or an untagged ML one."""

    resource: LiveResource
    kind: str  # "orphan" | "untagged"
    reason: str


@dataclass
class Attribution:
    arn: str
    type: str
    name: str
    region: str
    finding: str
    reason: str
    workspace: str | None
    creator: str | None = None
    created: dt.datetime | None = None
    age_days: int | None = None
    last_used: dt.datetime | None = None
    last_used_from: str = ""  # what the last use was read from
    monthly_usd: float | None = None
    cost_basis: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def holds_data(self) -> bool:
        return self.type in DATA_HOLDING_TYPES

    def to_dict(self) -> dict[str, Any]:
        return {
            "arn": self.arn, "type": self.type, "name": self.name, "region": self.region, "finding": self.finding,
            "reason": self.reason, "workspace": self.workspace, "creator": self.creator,
            "created": _iso(self.created), "age_days": self.age_days, "last_used": _iso(self.last_used),
            "last_used_from": self.last_used_from,
            "monthly_usd": None if self.monthly_usd is None else round(self.monthly_usd, 2),
            "cost_basis": self.cost_basis, "holds_data": self.holds_data, "notes": list(self.notes),
        }


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc(value: Any) -> dt.datetime | None:
    if not isinstance(value, dt.datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def by_cost(rows: list[Attribution]) -> list[Attribution]:
    """Most expensive first; unknown costs after known ones; then by type and name, so the order is stable."""
    return sorted(rows, key=lambda r: (r.monthly_usd is None, -(r.monthly_usd or 0.0), r.type, r.name))


class _Unavailable(Exception):
    """A service that answered an error: its fields stay empty for every resource of this scan."""


# Answers that say a service cannot be asked at all (no permission, not emulated): asked once per scan.
UNAVAILABLE_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnrecognizedClientException", "500",
                               "InternalFailure", "InternalError", "UnknownOperationException"})


class _Guarded:
    def __init__(self, scan: "_Scan", service: str) -> None:
        self.scan, self.service = scan, service

    def __getattr__(self, operation: str) -> Any:
        return lambda **kwargs: self.scan.call(self.service, operation, **kwargs)


class _Scan:
    """One region's AWS clients, the price table, and the services found unavailable (asked once)."""

    def __init__(self, aws: "Aws", region: str, prices: "PriceTable", today: dt.date, since_days: int) -> None:
        self.aws, self.region, self.prices, self.since_days = aws, region, prices, since_days
        self.today = today
        self.now = dt.datetime.combine(today, dt.time(23, 59, 59), dt.timezone.utc)
        self.unavailable: dict[str, str] = {}

    def client(self, service: str) -> "_Guarded":
        """The region's client for SERVICE, whose calls raise _Unavailable once the service has refused."""
        return _Guarded(self, service)

    def call(self, service: str, operation: str, **kwargs: Any) -> Any:
        if service in self.unavailable:
            raise _Unavailable(self.unavailable[service])
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.aws.client(service, self.region), operation)(**kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            if code in UNAVAILABLE_CODES:
                self.unavailable[service] = f"{service} answered {code} to {operation}"
                raise _Unavailable(self.unavailable[service]) from None
            raise
        except BotoCoreError as exc:
            self.unavailable[service] = f"{service}: {type(exc).__name__}"
            raise _Unavailable(self.unavailable[service]) from None

    def hourly(self, kind: str, instance_type: str) -> float | None:
        value, _ = self.prices.price(self.region, kind, instance_type)
        return value


def attribute(aws: "Aws", region: str, findings: list[Finding], prices: "PriceTable", *, today: dt.date,
              since_days: int = 30) -> list[Attribution]:
    """One attribution per finding, most expensive first (see the module's docstring)."""
    scan = _Scan(aws, region, prices, today, since_days)
    rows = []
    for finding in findings:
        resource = finding.resource
        row = Attribution(resource.arn, resource.type, resource.name, resource.region or region, finding.kind,
                          finding.reason, resource.workspace)
        describe = _DESCRIBERS.get(resource.type)
        if describe is not None:
            _guard(row, lambda: describe(scan, row))
        else:
            row.notes.append(f"no usage or cost signal read for {resource.type}")
        _guard(row, lambda: _creator(scan, row))
        if row.created is not None:
            row.age_days = (today - row.created.date()).days
        rows.append(row)
    return by_cost(rows)


def _guard(row: Attribution, step: Any) -> None:
    from botocore.exceptions import ClientError

    try:
        step()
    except _Unavailable as exc:
        if str(exc) not in row.notes:
            row.notes.append(str(exc))
    except ClientError as exc:
        row.notes.append(f"{exc.response.get('Error', {}).get('Code', 'error')}: "
                         f"{exc.response.get('Error', {}).get('Message', '')}".strip())


# --- creator: CloudTrail's event history ---------------------------------------------------------------------

def _creator(scan: _Scan, row: Attribution) -> None:
    start = scan.now - dt.timedelta(days=HISTORY_DAYS)
    if row.created is not None and row.created < start:
        row.notes.append(f"created {row.created:%Y-%m-%d}, before the {HISTORY_DAYS} days CloudTrail keeps: "
                         "creator unknown")
        return
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"LookupAttributes": [{"AttributeKey": "ResourceName", "AttributeValue": row.name}],
                              "StartTime": start}
    while True:
        page = scan.client("cloudtrail").lookup_events(**kwargs)
        events.extend(e for e in page.get("Events", []) if str(e.get("EventName", "")).startswith("Create"))
        if not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]
    if not events:
        row.notes.append(f"no create call in CloudTrail's {HISTORY_DAYS}-day history: creator unknown")
        return
    first = min(events, key=lambda e: _utc(e.get("EventTime")) or scan.now)
    row.creator = first.get("Username") or _identity_arn(first)
    if row.created is None:
        row.created = _utc(first.get("EventTime"))


def _identity_arn(event: dict[str, Any]) -> str | None:
    try:
        return json.loads(event.get("CloudTrailEvent") or "{}").get("userIdentity", {}).get("arn")
    except ValueError:
        return None


# --- per kind: creation, last use, monthly cost ----------------------------------------------------------------

def _training_job(scan: _Scan, row: Attribution) -> None:
    job = scan.client("sagemaker").describe_training_job(TrainingJobName=row.name)
    row.created = _utc(job.get("CreationTime"))
    status = job.get("TrainingJobStatus", "")
    config = job.get("ResourceConfig") or {}
    instance, count = config.get("InstanceType", ""), int(config.get("InstanceCount") or 1)
    if status in ("InProgress", "Stopping"):
        row.last_used, row.last_used_from = scan.now, f"training job {status}"
        unit = scan.hourly("training", instance)
        row.monthly_usd = None if unit is None else unit * count * scan.prices.hours_per_month
        row.cost_basis = (f"{count} x {instance} while it runs" if unit is not None
                          else f"no price for {instance}")
    else:
        row.last_used = _utc(job.get("TrainingEndTime")) or _utc(job.get("LastModifiedTime"))
        row.last_used_from = f"training job {status or 'ended'}"
        row.monthly_usd, row.cost_basis = 0.0, f"{status or 'ended'}: no instances run"


def _endpoint(scan: _Scan, row: Attribution) -> None:
    endpoint = scan.client("sagemaker").describe_endpoint(EndpointName=row.name)
    row.created = _utc(endpoint.get("CreationTime"))
    config = scan.client("sagemaker").describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    counts = {v.get("VariantName"): v.get("CurrentInstanceCount") for v in endpoint.get("ProductionVariants", [])}
    total, parts, variants = 0.0, [], []
    for variant in config.get("ProductionVariants", []):
        name = variant.get("VariantName", "")
        variants.append(name)
        if variant.get("ServerlessConfig"):
            parts.append(f"{name}: serverless, billed per request")
            continue
        instance = variant.get("InstanceType", "")
        count = int(counts.get(name) or variant.get("InitialInstanceCount") or 1)
        unit = scan.hourly("hosting", instance)
        if unit is None:
            parts.append(f"{name}: no price for {instance}")
            continue
        total += unit * count * scan.prices.hours_per_month
        parts.append(f"{name}: {count} x {instance} all month")
    row.monthly_usd, row.cost_basis = total, "; ".join(parts)
    row.last_used = _last_invocation(scan, row.name, variants)
    row.last_used_from = f"endpoint Invocations (CloudWatch, last {scan.since_days} days)"


def _last_invocation(scan: _Scan, endpoint: str, variants: list[str]) -> dt.datetime | None:
    """The newest day (UTC) with invocations on any variant, within `since_days`; None when there were none."""
    queries = [{"Id": f"v{index}", "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": "AWS/SageMaker", "MetricName": "Invocations",
                   "Dimensions": [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": name}]},
        "Period": 86400, "Stat": "Sum"}} for index, name in enumerate(variants)]
    if not queries:
        return None
    # Whole UTC days, so each daily sum is stamped with the day it counts (a use on the 7th reads "the 7th").
    start = dt.datetime.combine(scan.today - dt.timedelta(days=scan.since_days), dt.time(0), dt.timezone.utc)
    end = dt.datetime.combine(scan.today + dt.timedelta(days=1), dt.time(0), dt.timezone.utc)
    latest: dt.datetime | None = None
    kwargs: dict[str, Any] = {"MetricDataQueries": queries, "StartTime": start, "EndTime": end}
    while True:
        page = scan.client("cloudwatch").get_metric_data(**kwargs)
        for result in page.get("MetricDataResults", []):
            for when, value in zip(result.get("Timestamps", []), result.get("Values", [])):
                when = _utc(when)
                if value and when is not None and (latest is None or when > latest):
                    latest = when
        if not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]
    return latest


def _model(scan: _Scan, row: Attribution) -> None:
    model = scan.client("sagemaker").describe_model(ModelName=row.name)
    row.created = _utc(model.get("CreationTime"))
    row.monthly_usd, row.cost_basis = 0.0, "a model costs nothing until an endpoint serves it"


def _model_package_group(scan: _Scan, row: Attribution) -> None:
    group = scan.client("sagemaker").describe_model_package_group(ModelPackageGroupName=row.name)
    row.created = _utc(group.get("CreationTime"))
    versions = scan.client("sagemaker").list_model_packages(ModelPackageGroupName=row.name,
                         SortBy="CreationTime", SortOrder="Descending", MaxResults=1).get("ModelPackageSummaryList", [])
    if versions:
        row.last_used, row.last_used_from = _utc(versions[0].get("CreationTime")), "newest registered version"
    row.monthly_usd, row.cost_basis = 0.0, "the registry is free; its artifacts are billed as S3 storage"


def _bucket(scan: _Scan, row: Attribution) -> None:
    for bucket in scan.client("s3").list_buckets().get("Buckets", []):
        if bucket.get("Name") == row.name:
            row.created = _utc(bucket.get("CreationDate"))
    row.cost_basis = "storage: not in the price table"
    row.last_used_from = "not read: S3 object access needs server access logs or CloudTrail data events"


_DESCRIBERS = {
    "sagemaker:training-job": _training_job,
    "sagemaker:endpoint": _endpoint,
    "sagemaker:model": _model,
    "sagemaker:model-package-group": _model_package_group,
    "s3:bucket": _bucket,
}
