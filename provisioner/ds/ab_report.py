"""The A/B readout of an endpoint: per-variant metrics, and challenger against champion with claims that hold.

Per production variant, from the experiment's start (by default when the
endpoint's configuration last changed: weights or models): invocations and
share of traffic, ModelLatency p50/p99 (SageMaker reports microseconds; shown
in ms), 4XX and 5XX rates (namespace AWS/SageMaker, dimensions EndpointName and
VariantName), and the quality metric pooled from the counts every monitoring
run publishes (provision/ModelQuality, dimensions Workspace and Variant; each
label is counted by exactly one run).

The champion is the variant with the highest weight in the spec; every other
production variant is a challenger, compared on four measures (5XX rate, 4XX
rate, mean latency, the quality metric) with always-valid sequential tests
(ab_measures.py, significance.py). Holm's step-down over all measures of all
challengers bounds the chance of any false claim in the readout at 5 %, however
often it is re-run from the same start. A promotion is suggested only when the
challenger is better on some measure, worse on none, and every test has
either decided or reached the sample it asks for.

`fetch` reads CloudWatch; `readout` is the arithmetic (the simulation in
tests/error_rates/ runs it on simulated traffic).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from provisioner.ds.ab_measures import (
    ERROR_RATE_DIFFERENCE,
    Comparison,
    QualityCounts,
    VariantData,
    latency_comparison,
    quality_comparison,
    rate_comparison,
)
from provisioner.ds.significance import ALPHA, POWER, holm, normal_mixture_radius
from provisioner.errors import InvalidInput

SAGEMAKER_NAMESPACE = "AWS/SageMaker"
LATENCY_PERIOD = 300  # seconds: the per-period averages the latency test pairs
MAX_SPAN = dt.timedelta(days=63)  # CloudWatch keeps 5-minute data for 63 days
DURATION = re.compile(r"^(\d+)([hd])$")
MEASURES_PER_CHALLENGER = 4

WORSE, BETTER = "challenger worse", "challenger better"
NEGLIGIBLE = "difference too small to matter"
NONE_FOUND = "no difference found"
NOT_YET = "no significant difference yet"
NO_DATA = "not enough data yet"


# --- when the experiment started ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Start:
    """Where the readout's data begins, and why there."""

    when: dt.datetime
    reason: str
    nested: bool  # looks from this start see growing data (the sequential guarantee needs that)


def parse_since(text: str, now: dt.datetime) -> Start:
    """`--since`: a fixed start (2026-11-20 or 2026-11-20T14:00, UTC) or a duration back from now (12h, 7d)."""
    value = text.strip()
    match = DURATION.match(value)
    if match and int(match.group(1)) > 0:
        amount = int(match.group(1))
        span = dt.timedelta(hours=amount) if match.group(2) == "h" else dt.timedelta(days=amount)
        if span > MAX_SPAN:
            raise InvalidInput.single("<command line>", "--since", f"{text} is longer than 63 days",
                                      "CloudWatch keeps 5-minute data for 63 days; give at most 63d")
        return Start(now - span, f"--since {value}: a window that moves with every look", nested=False)
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        when = None
    if when is None or match:
        raise InvalidInput.single("<command line>", "--since", f"{text!r} is neither a duration like 12h or 7d "
                                  "nor a date like 2026-11-20", "give the experiment's start (UTC), e.g. --since "
                                  "2026-11-20T14:00, or a duration, e.g. --since 7d")
    when = when.replace(tzinfo=dt.timezone.utc) if when.tzinfo is None else when.astimezone(dt.timezone.utc)
    if when >= now:
        raise InvalidInput.single("<command line>", "--since", f"{value} is not in the past", "give an earlier start")
    if now - when > MAX_SPAN:
        raise InvalidInput.single("<command line>", "--since", f"{value} is more than 63 days ago",
                                  "CloudWatch keeps 5-minute data for 63 days; give a later start")
    return Start(when, f"--since {value}", nested=True)


def endpoint_start(sagemaker: Any, endpoint: str, now: dt.datetime) -> Start:
    """When the endpoint's configuration last changed (weights, models): the experiment's natural start."""
    changed = sagemaker.describe_endpoint(EndpointName=endpoint)["LastModifiedTime"]
    changed = changed.replace(tzinfo=dt.timezone.utc) if changed.tzinfo is None else changed.astimezone(dt.timezone.utc)
    if now - changed > MAX_SPAN:
        return Start(now - MAX_SPAN, f"the endpoint last changed {changed:%Y-%m-%d}, more than 63 days ago: the "
                                     "readout covers the 63 days CloudWatch keeps, a window that moves with every look",
                     nested=False)
    return Start(changed, "when the endpoint's configuration last changed", nested=True)


# --- reading CloudWatch ------------------------------------------------------------------------------------

def _query(id_: str, namespace: str, metric: str, dimensions: dict[str, str], stat: str, period: int) -> dict:
    return {"Id": id_, "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": namespace, "MetricName": metric,
                   "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()]},
        "Period": period, "Stat": stat}}


def _fetch(cloudwatch: Any, queries: list[dict], start: dt.datetime,
           end: dt.datetime) -> dict[str, list[tuple[dt.datetime, float]]]:
    values: dict[str, list[tuple[dt.datetime, float]]] = {q["Id"]: [] for q in queries}
    for first in range(0, len(queries), 500):
        kwargs: dict[str, Any] = {"MetricDataQueries": queries[first:first + 500], "StartTime": start,
                                  "EndTime": end}
        while True:
            page = cloudwatch.get_metric_data(**kwargs)
            for result in page.get("MetricDataResults", []):
                values[result["Id"]].extend((when, float(v)) for when, v in
                                            zip(result.get("Timestamps", []), result.get("Values", [])) if v is not None)
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
    return values


def fetch(cloudwatch: Any, *, workspace: str, endpoint: str, variants: list[tuple[str, float]],
          quality_namespace: str, quality_counts: dict[str, str], start: dt.datetime,
          end: dt.datetime) -> tuple[list[VariantData], list[str]]:
    """Every production variant's metrics from `start` to `end`; notes on what could not be read."""
    if end - start < dt.timedelta(minutes=1):  # CloudWatch has no period this short
        return [VariantData(name, weight) for name, weight in variants], [
            "the experiment started less than a minute ago: no metrics yet"]
    whole = max(60, int((end - start).total_seconds()) // 60 * 60)
    queries: list[dict] = []
    for index, (name, _) in enumerate(variants):
        dims = {"EndpointName": endpoint, "VariantName": name}
        queries += [
            _query(f"inv{index}", SAGEMAKER_NAMESPACE, "Invocations", dims, "Sum", whole),
            _query(f"e4{index}", SAGEMAKER_NAMESPACE, "Invocation4XXErrors", dims, "Sum", whole),
            _query(f"e5{index}", SAGEMAKER_NAMESPACE, "Invocation5XXErrors", dims, "Sum", whole),
            _query(f"lat{index}", SAGEMAKER_NAMESPACE, "ModelLatency", dims, "Average", LATENCY_PERIOD),
        ]
        queries += [_query(f"q{index}_{key}", quality_namespace, metric, {"Workspace": workspace, "Variant": name},
                           "Sum", whole) for key, metric in quality_counts.items()]
    values = _fetch(cloudwatch, queries, start, end)
    notes: list[str] = []
    percentiles: dict[str, list[tuple[dt.datetime, float]]] = {}
    try:
        percentiles = _fetch(cloudwatch, [
            _query(f"{p}{index}", SAGEMAKER_NAMESPACE, "ModelLatency",
                   {"EndpointName": endpoint, "VariantName": name}, p, whole)
            for index, (name, _) in enumerate(variants) for p in ("p50", "p99")], start, end)
    except Exception as exc:  # noqa: BLE001 - percentiles are for reading; no test uses them
        notes.append(f"latency percentiles unavailable ({type(exc).__name__})")

    def total(key: str) -> float:
        return sum(v for _, v in values.get(key, []))

    found = []
    for index, (name, weight) in enumerate(variants):
        p50, p99 = percentiles.get(f"p50{index}") or [], percentiles.get(f"p99{index}") or []
        found.append(VariantData(
            name=name, weight=weight, invocations=total(f"inv{index}"), errors_4xx=total(f"e4{index}"),
            errors_5xx=total(f"e5{index}"),
            latency={int(when.timestamp()): v / 1000 for when, v in values[f"lat{index}"]},  # microseconds -> ms
            latency_p50_ms=max(v for _, v in p50) / 1000 if p50 else None,
            latency_p99_ms=max(v for _, v in p99) / 1000 if p99 else None,
            quality=QualityCounts(**{key: total(f"q{index}_{key}") for key in quality_counts})))
    return found, notes


# --- the readout -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    """What the readout compares, and the differences that matter (the tests are powered for them)."""

    quality_metric: str  # the evaluation script's key: f1, auc, accuracy, mae, rmse, ...
    problem_type: str
    error_rate_difference: float = ERROR_RATE_DIFFERENCE  # absolute, as a fraction
    latency_difference_ms: float | None = None  # None: 5 % of the champion's mean latency
    quality_difference: float | None = None  # None: 0.02 (classification), 5 % of the champion's (regression)
    alpha: float = ALPHA


@dataclass(frozen=True)
class Judged:
    comparison: Comparison
    rejected: bool
    level: float  # the Holm level this comparison was tested at
    verdict: str

    @property
    def decided(self) -> bool:
        """The test decided, or reached the sample it asks for: a promotion may rely on it."""
        return self.rejected or (self.comparison.p_value is not None and self.comparison.planned.reached)

    def to_dict(self) -> dict[str, Any]:
        return {**self.comparison.to_dict(), "verdict": self.verdict, "tested_at_level": self.level,
                "decided": self.decided}


def judge(comparisons: list[Comparison], alpha: float) -> list[Judged]:
    """Holm over the family, then a verdict per comparison."""
    found = []
    for c, (rejected, level) in zip(comparisons, holm([c.p_value for c in comparisons], alpha)):
        if c.p_value is None:
            verdict = NO_DATA
        elif rejected:
            small = (c.variance is not None and c.tau is not None and c.difference is not None
                     and abs(c.difference) + normal_mixture_radius(c.variance, c.tau, level) < c.matters)
            if small:
                verdict = NEGLIGIBLE
            else:
                assert c.challenger_value is not None and c.champion_value is not None
                higher = c.challenger_value > c.champion_value
                verdict = BETTER if higher == (c.better_when == "higher") else WORSE
        else:
            verdict = NONE_FOUND if c.planned.reached else NOT_YET
        found.append(Judged(c, rejected, level, verdict))
    return found


@dataclass
class AbReport:
    workspace: str
    endpoint: str
    start: Start
    end: dt.datetime
    settings: Settings
    variants: list[VariantData]
    champion: str
    judged: list[Judged]
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
            mine = [j for j in self.judged if j.comparison.challenger == variant.name]
            worse = [j.comparison.measure for j in mine if j.verdict == WORSE]
            better = [j.comparison.measure for j in mine if j.verdict == BETTER]
            waiting = [j.comparison.measure for j in mine if not j.decided]
            name, champion = variant.name, self.champion
            if worse:
                found[name] = f"{name} is worse than {champion} on {', '.join(worse)}: keep {champion}"
            elif better and not waiting:
                found[name] = (f"{name} beats {champion} on {', '.join(better)} and every other test found no "
                               f"difference at its planned sample: consider `provision endpoint promote "
                               f"{self.workspace} {name}`")
            elif better:
                found[name] = (f"{name} beats {champion} on {', '.join(better)}; no promotion yet: "
                               f"{', '.join(waiting)} {'has' if len(waiting) == 1 else 'have'} not reached the "
                               "sample its test asks for")
            elif not waiting:
                found[name] = (f"no difference that matters between {name} and {champion}: every test reached "
                               "its planned sample")
            elif all(j.verdict == NO_DATA for j in mine):
                found[name] = f"not enough data yet to compare {name} with {champion}"
            else:
                found[name] = f"no significant difference between {name} and {champion} yet"
        return found

    def family(self) -> str:
        """What every claim of this readout is worth."""
        size = len(self.judged)
        text = (f"claims hold at a {100 * self.settings.alpha:g} % family-wise false-claim rate over the {size} "
                f"comparisons (Holm), checked at any look from the same start (always-valid sequential tests); "
                f"each test's sample is the one that finds its difference that matters with "
                f"{100 * POWER:g} % power")
        if not self.start.nested:
            text += ("; this window moves with every look, so looks on different days are not one sequential "
                     "test: for repeated looks use the default start or a fixed date")
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "workspace": self.workspace, "endpoint": self.endpoint, "start": self.start.when.isoformat(),
            "start_reason": self.start.reason, "end": self.end.isoformat(), "quality_metric": self.settings.quality_metric,
            "champion": self.champion, "variants": [_variant_dict(v, self.total, self.settings) for v in self.variants],
            "family": {"comparisons": len(self.judged), "false_claim_rate": self.settings.alpha,
                       "method": "Holm over always-valid sequential p-values", "power": POWER,
                       "statement": self.family()},
            "comparisons": [j.to_dict() for j in self.judged], "conclusions": self.conclusions(),
            "notes": self.notes,
        }


def _variant_dict(v: VariantData, total: float, settings: Settings) -> dict[str, Any]:
    latency = list(v.latency.values())
    return {
        "variant": v.name, "weight": v.weight, "invocations": v.invocations,
        "traffic_percent": round(100 * v.invocations / total, 2) if total else None,
        "latency_p50_ms": v.latency_p50_ms, "latency_p99_ms": v.latency_p99_ms,
        "latency_mean_ms": sum(latency) / len(latency) if latency else None,
        "rate_4xx_percent": 100 * v.errors_4xx / v.invocations if v.invocations else None,
        "rate_5xx_percent": 100 * v.errors_5xx / v.invocations if v.invocations else None,
        "errors_4xx": v.errors_4xx, "errors_5xx": v.errors_5xx,
        "quality": v.quality.value(settings.quality_metric), "labeled_records": v.quality.labeled,
    }


def readout(variants: list[VariantData], settings: Settings, *, workspace: str, endpoint: str, start: Start,
            end: dt.datetime, notes: list[str] | None = None) -> AbReport:
    """Compare every challenger with the champion on every measure; Holm over the family."""
    champion = max(variants, key=lambda v: v.weight)  # the first of the highest weight
    challengers = [v for v in variants if v is not champion]
    plan_alpha = settings.alpha / max(1, MEASURES_PER_CHALLENGER * len(challengers))  # Holm's strictest level
    comparisons: list[Comparison] = []
    for other in challengers:
        for measure, attribute in (("5XX rate", "errors_5xx"), ("4XX rate", "errors_4xx")):
            comparisons.append(rate_comparison(
                other.name, champion.name, measure, (getattr(other, attribute), getattr(champion, attribute)),
                (other.invocations, champion.invocations), matters=settings.error_rate_difference,
                plan_alpha=plan_alpha))
        comparisons.append(latency_comparison(other, champion, matters_ms=settings.latency_difference_ms,
                                              plan_alpha=plan_alpha))
        comparisons.append(quality_comparison(other, champion, settings.quality_metric, settings.problem_type,
                                              matters=settings.quality_difference, plan_alpha=plan_alpha))
    report = AbReport(workspace, endpoint, start, end, settings, variants, champion.name,
                      judge(comparisons, settings.alpha), list(notes or []))
    if not challengers:
        report.notes.append("one production variant: nothing to compare")
    return report


# --- for people ----------------------------------------------------------------------------------------------

def _number(value: float | None, digits: int = 2, suffix: str = "") -> str:
    return "-" if value is None else f"{value:,.{digits}f}{suffix}"


def _shown(measure: str, value: float | None) -> str:
    if "rate" in measure:
        return _number(None if value is None else 100 * value, 2, "%")
    return _number(value, 3)


def _sample(c: Comparison) -> str:
    have, needed = c.planned.have, c.planned.needed
    if needed is None:
        return f"{have:,.0f} {c.planned.unit}"
    return f"{have:,.0f} of {needed:,.0f} {c.planned.unit}"


def render_text(report: AbReport, markdown: bool = False) -> str:
    """The readout as plain text or Markdown (a table per section)."""
    metric = report.settings.quality_metric
    head = ["variant", "weight", "invocations", "traffic", "p50 ms", "p99 ms", "4XX", "5XX",
            f"{metric} (labeled)"]
    rows = []
    for v in report.variants:
        d = _variant_dict(v, report.total, report.settings)
        rows.append([v.name + (" (champion)" if v.name == report.champion else ""), f"{v.weight:g}",
                     f"{v.invocations:,.0f}", _number(d["traffic_percent"], 1, "%"), _number(v.latency_p50_ms),
                     _number(v.latency_p99_ms), _number(d["rate_4xx_percent"], 2, "%"),
                     _number(d["rate_5xx_percent"], 2, "%"), f"{_number(d['quality'], 3)} ({v.quality.labeled:,.0f})"])
    compared = [["challenger", "measure", "challenger", "champion", "test", "p (always valid)", "sample", "verdict"]]
    for j in report.judged:
        c = j.comparison
        verdict = j.verdict
        if verdict in (NONE_FOUND, NEGLIGIBLE):
            verdict += f" (matters: {_shown(c.measure, c.matters)})"
        compared.append([c.challenger, c.measure, _shown(c.measure, c.challenger_value),
                         _shown(c.measure, c.champion_value), c.method,
                         "-" if c.p_value is None else f"{c.p_value:.3g}", _sample(c), verdict])
    title = (f"A/B readout of {report.workspace} ({report.endpoint}), {report.start.when:%Y-%m-%d %H:%M} to "
             f"{report.end:%Y-%m-%d %H:%M} UTC (from {report.start.reason})")
    lines = [f"# {title}" if markdown else title, ""]
    lines += _table(head, rows, markdown)
    if len(compared) > 1:
        lines += ["", "## Challenger against champion" if markdown else "Challenger against champion:", ""]
        lines += _table(compared[0], compared[1:], markdown)
        lines += ["", ("- " if markdown else "") + report.family()]
        for j in report.judged:
            if j.comparison.note:
                lines.append(("- " if markdown else "") + f"{j.comparison.challenger}, {j.comparison.measure}: "
                             f"{j.comparison.note}")
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
