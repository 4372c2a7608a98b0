"""The A/B readout of an endpoint: per-variant CloudWatch metrics and challenger against champion.

Per production variant, over the last `--since`: invocations and share of
traffic, ModelLatency p50/p99 (SageMaker reports microseconds; shown in ms),
4XX and 5XX rates (namespace AWS/SageMaker, dimensions EndpointName and
VariantName), and the spec's quality metric from provision/ModelQuality
(dimensions Workspace and Variant, one value per monitoring run).

The champion is the variant with the highest weight in the spec; every other
production variant is a challenger. Each challenger is compared with it:
error rates with the two-proportion z-test on the counts, mean latency with
Welch's t-test on the per-period averages, quality with Welch's t-test on the
per-run values. "not enough data yet" is said whenever a test's conditions do
not hold (see provisioner/ds/significance.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from provisioner.ds.significance import TestResult, two_proportion_z_test, welch_t_test
from provisioner.errors import InvalidInput

SAGEMAKER_NAMESPACE = "AWS/SageMaker"
LATENCY_PERIOD = 300  # seconds; the per-period averages are Welch's samples for latency
SINCE = re.compile(r"^(\d+)([hd])$")


def parse_since(text: str) -> dt.timedelta:
    match = SINCE.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise InvalidInput.single("<command line>", "--since", f"{text!r} is not a duration like 12h or 7d",
                                  "give hours (h) or days (d), for example --since 7d")
    amount = int(match.group(1))
    span = dt.timedelta(hours=amount) if match.group(2) == "h" else dt.timedelta(days=amount)
    if span > dt.timedelta(days=63):
        raise InvalidInput.single("<command line>", "--since", f"{text} is longer than 63 days",
                                  "CloudWatch keeps 5-minute data for 63 days; give at most 63d")
    return span


@dataclass
class VariantStats:
    name: str
    weight: float
    invocations: float = 0.0
    errors_4xx: float = 0.0
    errors_5xx: float = 0.0
    latency_p50_ms: float | None = None
    latency_p99_ms: float | None = None
    latency_means_ms: list[float] = field(default_factory=list)  # per-period averages
    quality: list[float] = field(default_factory=list)  # one value per monitoring run

    def rate(self, errors: float) -> float | None:
        return errors / self.invocations if self.invocations else None

    def to_dict(self, total: float) -> dict[str, Any]:
        return {
            "variant": self.name, "weight": self.weight, "invocations": self.invocations,
            "traffic_percent": round(100 * self.invocations / total, 2) if total else None,
            "latency_p50_ms": self.latency_p50_ms, "latency_p99_ms": self.latency_p99_ms,
            "latency_mean_ms": _mean(self.latency_means_ms),
            "rate_4xx_percent": _percent(self.rate(self.errors_4xx)),
            "rate_5xx_percent": _percent(self.rate(self.errors_5xx)),
            "errors_4xx": self.errors_4xx, "errors_5xx": self.errors_5xx,
            "quality_mean": _mean(self.quality), "quality_runs": len(self.quality),
        }


@dataclass(frozen=True)
class Comparison:
    challenger: str
    champion: str
    measure: str
    challenger_value: float | None
    champion_value: float | None
    samples: tuple[float, float]
    result: TestResult
    better_when: str  # "lower" or "higher"

    @property
    def verdict(self) -> str:
        if not self.result.enough_data:
            return "not enough data yet"
        if not self.result.significant:
            return "no significant difference"
        assert self.challenger_value is not None and self.champion_value is not None
        higher = self.challenger_value > self.champion_value
        return "challenger better" if higher == (self.better_when == "higher") else "challenger worse"

    def to_dict(self) -> dict[str, Any]:
        return {"challenger": self.challenger, "champion": self.champion, "measure": self.measure,
                "challenger_value": self.challenger_value, "champion_value": self.champion_value,
                "samples": list(self.samples), "verdict": self.verdict, **self.result.to_dict()}


@dataclass
class AbReport:
    workspace: str
    endpoint: str
    since: str
    start: dt.datetime
    end: dt.datetime
    quality_metric: str
    variants: list[VariantStats]
    champion: str
    comparisons: list[Comparison]
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(v.invocations for v in self.variants)

    def conclusions(self) -> dict[str, str]:
        """One plain sentence per challenger."""
        found: dict[str, str] = {}
        for variant in self.variants:
            if variant.name == self.champion:
                continue
            mine = [c for c in self.comparisons if c.challenger == variant.name]
            worse = [c.measure for c in mine if c.verdict == "challenger worse"]
            better = [c.measure for c in mine if c.verdict == "challenger better"]
            if worse:
                found[variant.name] = f"{variant.name} is worse than {self.champion} on {', '.join(worse)}: keep " \
                                      f"{self.champion}"
            elif better:
                found[variant.name] = f"{variant.name} beats {self.champion} on {', '.join(better)} and is no " \
                                      f"worse elsewhere: consider `provision endpoint promote {self.workspace} " \
                                      f"{variant.name}`"
            elif all(c.verdict == "not enough data yet" for c in mine):
                found[variant.name] = f"not enough data yet to compare {variant.name} with {self.champion}"
            else:
                found[variant.name] = f"no significant difference between {variant.name} and {self.champion} yet"
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "workspace": self.workspace, "endpoint": self.endpoint, "since": self.since,
            "start": self.start.isoformat(), "end": self.end.isoformat(), "quality_metric": self.quality_metric,
            "champion": self.champion, "variants": [v.to_dict(self.total) for v in self.variants],
            "comparisons": [c.to_dict() for c in self.comparisons], "conclusions": self.conclusions(),
            "notes": self.notes,
        }


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _percent(value: float | None) -> float | None:
    return None if value is None else 100 * value


def compare(variants: list[VariantStats], champion: str, quality_metric: str,
            quality_lower_is_better: bool) -> list[Comparison]:
    base = next(v for v in variants if v.name == champion)
    found = []
    for other in variants:
        if other.name == champion:
            continue
        for measure, errors in (("5XX rate", "errors_5xx"), ("4XX rate", "errors_4xx")):
            x1, x2 = getattr(other, errors), getattr(base, errors)
            found.append(Comparison(
                other.name, champion, measure, other.rate(x1), base.rate(x2), (other.invocations, base.invocations),
                two_proportion_z_test(x1, other.invocations, x2, base.invocations), "lower"))
        found.append(Comparison(
            other.name, champion, "mean latency", _mean(other.latency_means_ms), _mean(base.latency_means_ms),
            (len(other.latency_means_ms), len(base.latency_means_ms)),
            welch_t_test(other.latency_means_ms, base.latency_means_ms), "lower"))
        found.append(Comparison(
            other.name, champion, quality_metric, _mean(other.quality), _mean(base.quality),
            (len(other.quality), len(base.quality)), welch_t_test(other.quality, base.quality),
            "lower" if quality_lower_is_better else "higher"))
    return found


def _query(id_: str, namespace: str, metric: str, dimensions: dict[str, str], stat: str, period: int) -> dict:
    return {"Id": id_, "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": namespace, "MetricName": metric,
                   "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()]},
        "Period": period, "Stat": stat}}


def _fetch(cloudwatch: Any, queries: list[dict], start: dt.datetime, end: dt.datetime) -> dict[str, list[float]]:
    values: dict[str, list[float]] = {q["Id"]: [] for q in queries}
    for first in range(0, len(queries), 500):
        kwargs: dict[str, Any] = {"MetricDataQueries": queries[first:first + 500], "StartTime": start,
                                  "EndTime": end}
        while True:
            page = cloudwatch.get_metric_data(**kwargs)
            for result in page.get("MetricDataResults", []):
                values[result["Id"]].extend(float(v) for v in result.get("Values", []) if v is not None)
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
    return values


def build_report(cloudwatch: Any, *, workspace: str, endpoint: str, variants: list[tuple[str, float]],
                 quality_metric: str, quality_lower_is_better: bool, since: str, now: dt.datetime,
                 quality_period: int) -> AbReport:
    """Read the metrics of every production variant and compare the challengers with the champion."""
    span = parse_since(since)
    start, end = now - span, now
    whole = max(60, int(span.total_seconds()) // 60 * 60)
    queries: list[dict] = []
    for index, (name, _) in enumerate(variants):
        endpoint_dims = {"EndpointName": endpoint, "VariantName": name}
        queries += [
            _query(f"inv{index}", SAGEMAKER_NAMESPACE, "Invocations", endpoint_dims, "Sum", whole),
            _query(f"e4{index}", SAGEMAKER_NAMESPACE, "Invocation4XXErrors", endpoint_dims, "Sum", whole),
            _query(f"e5{index}", SAGEMAKER_NAMESPACE, "Invocation5XXErrors", endpoint_dims, "Sum", whole),
            _query(f"lat{index}", SAGEMAKER_NAMESPACE, "ModelLatency", endpoint_dims, "Average", LATENCY_PERIOD),
            _query(f"q{index}", "provision/ModelQuality", quality_metric,
                   {"Workspace": workspace, "Variant": name}, "Average", quality_period),
        ]
    values = _fetch(cloudwatch, queries, start, end)
    notes: list[str] = []
    percentiles: dict[str, list[float]] = {}
    try:
        percentiles = _fetch(cloudwatch, [
            _query(f"{p}{index}", SAGEMAKER_NAMESPACE, "ModelLatency",
                   {"EndpointName": endpoint, "VariantName": name}, p, whole)
            for index, (name, _) in enumerate(variants) for p in ("p50", "p99")], start, end)
    except Exception as exc:  # noqa: BLE001 - percentiles are a convenience; the comparison stands without them
        notes.append(f"latency percentiles unavailable ({type(exc).__name__})")
    stats = []
    for index, (name, weight) in enumerate(variants):
        p50, p99 = percentiles.get(f"p50{index}") or [], percentiles.get(f"p99{index}") or []
        stats.append(VariantStats(
            name=name, weight=weight, invocations=sum(values[f"inv{index}"]),
            errors_4xx=sum(values[f"e4{index}"]), errors_5xx=sum(values[f"e5{index}"]),
            latency_p50_ms=max(p50) / 1000 if p50 else None, latency_p99_ms=max(p99) / 1000 if p99 else None,
            latency_means_ms=[v / 1000 for v in values[f"lat{index}"]],  # microseconds -> ms
            quality=values[f"q{index}"]))
    champion = max(variants, key=lambda item: item[1])[0]  # first of the highest weight
    report = AbReport(workspace, endpoint, since, start, end, quality_metric, stats, champion,
                      compare(stats, champion, quality_metric, quality_lower_is_better), notes)
    if len(variants) < 2:
        report.notes.append("one production variant: nothing to compare")
    return report


def render_text(report: AbReport, markdown: bool = False) -> str:
    """The readout as plain text or Markdown (a table per section)."""
    def fmt(value: float | None, digits: int = 2, suffix: str = "") -> str:
        return "-" if value is None else f"{value:,.{digits}f}{suffix}"

    head = ["variant", "weight", "invocations", "traffic", "p50 ms", "p99 ms", "4XX", "5XX",
            f"{report.quality_metric} (runs)"]
    rows = []
    for v in report.variants:
        d = v.to_dict(report.total)
        rows.append([v.name + (" (champion)" if v.name == report.champion else ""), f"{v.weight:g}",
                     f"{v.invocations:,.0f}", fmt(d["traffic_percent"], 1, "%"), fmt(v.latency_p50_ms),
                     fmt(v.latency_p99_ms), fmt(d["rate_4xx_percent"], 2, "%"), fmt(d["rate_5xx_percent"], 2, "%"),
                     f"{fmt(d['quality_mean'], 3)} ({d['quality_runs']})"])
    compared = [["challenger", "measure", "challenger", "champion", "n (chall./champ.)", "test", "p", "verdict"]]
    for c in report.comparisons:
        digits = 4 if "rate" in c.measure else 3
        show = (lambda x: fmt(None if x is None else 100 * x, 2, "%")) if "rate" in c.measure else \
            (lambda x: fmt(x, digits))
        compared.append([c.challenger, c.measure, show(c.challenger_value), show(c.champion_value),
                         f"{c.samples[0]:,.0f} / {c.samples[1]:,.0f}", c.result.test,
                         "-" if c.result.p_value is None else f"{c.result.p_value:.3g}", c.verdict])
    title = (f"A/B readout of {report.workspace} ({report.endpoint}), last {report.since} "
             f"({report.start:%Y-%m-%d %H:%M} to {report.end:%Y-%m-%d %H:%M} UTC)")
    lines = [f"# {title}" if markdown else title, ""]
    lines += _table(head, rows, markdown)
    if len(compared) > 1:
        lines += ["", "## Challenger against champion" if markdown else "Challenger against champion:", ""]
        lines += _table(compared[0], compared[1:], markdown)
    lines.append("")
    for sentence in report.conclusions().values():
        lines.append(f"- {sentence}" if markdown else sentence)
    for note in report.notes:
        lines.append(f"- note: {note}" if markdown else f"note: {note}")
    return "\n".join(lines).rstrip() + "\n"


def _table(head: list[str], rows: list[list[str]], markdown: bool) -> list[str]:
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return out + ["| " + " | ".join(r) + " |" for r in rows]
    widths = [max(len(str(x)) for x in column) for column in zip(head, *rows)]
    return ["  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip() for line in [head, *rows]]
