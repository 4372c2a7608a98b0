"""Estimated monthly cost of a workspace's ML resources, from a price table.

The table ships with the tool (package data, provisioner/data/prices.json); `provision
prices update` writes a fresher one to `<org>/.provision/prices.json`, which
wins when present. Estimates cover what runs all month (endpoint instances,
monitoring runs, the MLflow server); training is on demand, so it is shown
per hour at the workspace's maximum (every allowed GPU type times
`training.max_instances`) rather than added to the month.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provisioner.audit.config import Config
from provisioner.audit.resources import blocks, dig

FALLBACK_REGION = "us-east-1"
# EventBridge Scheduler: USD per scheduled invocation (1.00 per million after 14 million free a month;
# aws.amazon.com/eventbridge/pricing). The same in every commercial region, so not in the price table.
SCHEDULER_USD_PER_INVOCATION = 1.0 / 1_000_000


@dataclass
class PriceTable:
    data: dict[str, Any]
    path: Path

    @classmethod
    def load(cls, override: Path | None = None) -> "PriceTable":
        from provisioner.runtime.locations import shipped_price_table

        path = override if override is not None and override.is_file() else shipped_price_table()
        return cls(json.loads(path.read_text(encoding="utf-8")), path)

    @property
    def hours_per_month(self) -> float:
        return float(self.data.get("hours_per_month", 730))

    def price(self, region: str, kind: str, key: str) -> tuple[float | None, str]:
        """(USD per hour, region the price came from)."""
        regions = self.data.get("regions", {})
        for candidate in (region, FALLBACK_REGION):
            value = regions.get(candidate, {}).get(kind, {}).get(key)
            if value is not None:
                return float(value), candidate
        return None, region

    def describe(self) -> dict[str, Any]:
        return {"file": str(self.path), "as_of": self.data.get("as_of", ""), "source": self.data.get("source", ""),
                "approximate": bool(self.data.get("approximate", False)), "currency": self.data.get("currency", "USD")}


@dataclass
class CostLine:
    kind: str  # "endpoint", "monitoring", "scheduler", "mlflow"
    address: str
    what: str
    instance_type: str
    count: float
    hours: float
    unit_price: float | None
    monthly: float | None
    monthly_max: float | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


@dataclass
class CostEstimate:
    region: str
    lines: list[CostLine] = field(default_factory=list)
    training: list[dict[str, Any]] = field(default_factory=list)
    budget_usd: float | None = None
    notes: list[str] = field(default_factory=list)
    table: dict[str, Any] = field(default_factory=dict)

    @property
    def monthly_total(self) -> float:
        return sum(line.monthly or 0.0 for line in self.lines)

    @property
    def monthly_max(self) -> float:
        return sum((line.monthly_max if line.monthly_max is not None else line.monthly) or 0.0 for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        total, peak = round(self.monthly_total, 2), round(self.monthly_max, 2)
        budget = self.budget_usd
        return {
            "currency": "USD",
            "region": self.region,
            "price_table": self.table,
            "monthly": [line.to_dict() for line in self.lines],
            "monthly_total_usd": total,
            "monthly_max_usd": peak,
            "training_per_hour": self.training,
            "budget_usd": budget,
            "budget_used_pct": round(100 * total / budget, 1) if budget else None,
            "over_budget": bool(budget and total > budget),
            "max_over_budget": bool(budget and peak > budget),
            "notes": self.notes,
        }


def runs_per_month(expression: str | None) -> float:
    """Runs per month of a SageMaker monitoring schedule expression (cron or a rate)."""
    if not expression:
        return 0.0
    text = expression.strip()
    if text.lower() in ("now",):
        return 1.0
    match = re.match(r"^cron\((.*)\)$", text)
    if not match:
        return 0.0
    fields = match.group(1).split()
    if len(fields) < 2:
        return 0.0
    hour = fields[1]
    per_day = 24.0 if hour in ("*", "0/1") else 24.0 / int(hour.split("/")[1]) if "/" in hour else float(len(hour.split(",")))
    day_of_month = fields[2] if len(fields) > 2 else "*"
    day_of_week = fields[4] if len(fields) > 4 else "?"
    days = 30.4
    if day_of_week not in ("?", "*"):
        days = 4.35 * len(day_of_week.split(","))
    elif day_of_month not in ("?", "*"):
        days = float(len(day_of_month.split(",")))
    return per_day * days


def _endpoint_configs(config: Config) -> list:
    used = []
    for endpoint in config.of_type("aws_sagemaker_endpoint"):
        used.extend(config.referenced(endpoint.values.get("endpoint_config_name"), "aws_sagemaker_endpoint_configuration"))
    return list({r.address: r for r in used}.values()) or config.of_type("aws_sagemaker_endpoint_configuration")


def _autoscaling_max(config: Config, variant: str) -> int | None:
    for target in config.of_type("aws_appautoscaling_target"):
        resource_id = str(target.values.get("resource_id", ""))
        if target.values.get("service_namespace") == "sagemaker" and resource_id.endswith(f"/variant/{variant}"):
            value = target.values.get("max_capacity")
            return int(value) if isinstance(value, (int, float)) else None
    return None


class _Prices:
    """Hourly prices in one region, remembering which ones had to come from the fallback region."""

    def __init__(self, table: PriceTable, region: str) -> None:
        self.table, self.region = table, region
        self.hours = table.hours_per_month
        self.fallbacks: set[str] = set()

    def __call__(self, kind: str, key: str) -> float | None:
        value, source = self.table.price(self.region, kind, key)
        if value is not None and source != self.region:
            self.fallbacks.add(f"{kind} {key}")
        return value


def estimate(config: Config, table: PriceTable, region: str, parameters: dict[str, Any] | None = None,
             guardrails: dict[str, Any] | None = None) -> CostEstimate:
    """What runs all month (endpoints, monitoring, MLflow), training per hour at most, and the budget."""
    parameters, guardrails = parameters or {}, guardrails or {}
    prices = _Prices(table, region)
    result = CostEstimate(region=region, table=table.describe())
    result.lines += _endpoint_lines(config, prices)
    result.lines += _monitoring_lines(config, prices)
    result.lines += _mlflow_lines(config, prices)
    result.training = _training_per_hour(config, prices, parameters, guardrails)
    result.budget_usd = _budget(config, parameters)
    result.notes = _notes(prices)
    return result


def _endpoint_lines(config: Config, price: _Prices) -> list[CostLine]:
    """One line per production and shadow variant: its instances all month, and at full autoscaling."""
    lines = []
    for endpoint_config in _endpoint_configs(config):
        for kind_label, key in (("variant", "production_variants"), ("shadow variant", "shadow_production_variants")):
            for variant in blocks(endpoint_config.values.get(key)):
                name = str(variant.get("variant_name", "variant"))
                if blocks(variant.get("serverless_config")):
                    lines.append(CostLine("endpoint", endpoint_config.address, f"{kind_label} {name}", "serverless",
                                          0, 0, None, None, note="serverless: billed per request, not estimated"))
                    continue
                instance = str(variant.get("instance_type", "?"))
                count = float(variant.get("initial_instance_count") or 1)
                unit = price("hosting", instance)
                peak_count = _autoscaling_max(config, name)
                monthly = unit * count * price.hours if unit is not None else None
                peak = unit * peak_count * price.hours if unit is not None and peak_count else None
                lines.append(CostLine(
                    "endpoint", endpoint_config.address, f"{kind_label} {name}", instance, count, price.hours, unit,
                    monthly, peak,
                    note=(f"autoscaling up to {peak_count} instances" if peak_count else "")
                    + ("" if unit is not None else f"no price for {instance}")))
    return lines


def _monitoring_lines(config: Config, price: _Prices) -> list[CostLine]:
    """One line per monitoring schedule (Model Monitor) or scheduled pipeline: runs per month, each billed for its maximum runtime."""
    lines = []
    for schedule in config.of_type("aws_sagemaker_monitoring_schedule"):
        expression = dig(schedule.values, "monitoring_schedule_config.schedule_config.schedule_expression")
        runs = runs_per_month(expression)
        jobs = config.referenced(dig(schedule.values, "monitoring_schedule_config.monitoring_job_definition_name"),
                                 "aws_sagemaker_data_quality_job_definition")
        job = jobs[0] if jobs else None
        instance = str(dig(job.values, "job_resources.cluster_config.instance_type", "ml.m5.large")) if job else "ml.m5.large"
        count = float(dig(job.values, "job_resources.cluster_config.instance_count", 1) or 1) if job else 1.0
        seconds = dig(job.values, "stopping_condition.max_runtime_in_seconds") if job else None
        run_hours = (float(seconds) / 3600.0) if isinstance(seconds, (int, float)) else 1.0
        unit = price("processing", instance)
        monthly = unit * count * run_hours * runs if unit is not None else None
        lines.append(CostLine("monitoring", schedule.address, f"{runs:.0f} runs/month x up to {run_hours:g} h",
                              instance, count, runs * run_hours, unit, monthly,
                              note="upper bound: each run billed for its maximum runtime"
                              + ("" if unit is not None else f"; no price for {instance}")))
    for pipeline_schedule in config.of_type("aws_scheduler_schedule"):
        lines.extend(_scheduled_pipeline(config, pipeline_schedule, price))
    return lines


def _mlflow_lines(config: Config, price: _Prices) -> list[CostLine]:
    lines = []
    for server in config.of_type("aws_sagemaker_mlflow_tracking_server"):
        size = str(server.values.get("tracking_server_size") or "Small")
        unit = price("mlflow", size.lower())
        lines.append(CostLine("mlflow", server.address, f"MLflow tracking server ({size})", size, 1, price.hours, unit,
                              unit * price.hours if unit is not None else None,
                              note="" if unit is not None else f"no price for MLflow size {size}"))
    return lines


def _training_per_hour(config: Config, price: _Prices, parameters: dict[str, Any],
                       guardrails: dict[str, Any]) -> list[dict[str, Any]]:
    """Training is on demand: per hour, for each allowed instance type at the workspace's maximum count."""
    types = parameters.get("training.instance_types") or _condition_instance_types(config)
    max_instances = parameters.get("training.max_instances") or guardrails.get("max_training_instances") or 1
    training = []
    for instance in types or []:
        unit = price("training", str(instance))
        training.append({
            "instance_type": instance, "per_instance_hour": unit, "max_instances": int(max_instances),
            "per_hour_at_max": round(unit * int(max_instances), 2) if unit is not None else None,
        })
    return training


def _budget(config: Config, parameters: dict[str, Any]) -> float | None:
    """The workspace's monthly budget: its parameter, else the budget resource's limit."""
    budget = parameters.get("budget.monthly_usd")
    if budget is None:
        for item in config.of_type("aws_budgets_budget"):
            try:
                budget = float(item.values.get("limit_amount"))
            except (TypeError, ValueError):
                pass
    return float(budget) if budget is not None else None


def _notes(price: _Prices) -> list[str]:
    notes = []
    if price.fallbacks:
        notes.append(f"no {price.region} price for {', '.join(sorted(price.fallbacks))}; used {FALLBACK_REGION} prices")
    if price.table.data.get("approximate"):
        notes.append(f"prices from the shipped table (as of {price.table.data.get('as_of')}, approximate); "
                     "run `provision prices update` for current prices")
    return notes


def _processing_steps(pipeline: Any) -> list[dict[str, Any]]:
    """The processing steps of a synthesized pipeline definition (JSON in `pipeline_definition`)."""
    try:
        definition = json.loads(pipeline.values.get("pipeline_definition") or "{}")
    except (TypeError, ValueError):
        return []
    return [s.get("Arguments", {}) for s in definition.get("Steps", []) if s.get("Type") == "Processing"]


def _scheduled_pipeline(config: Config, schedule: Any, price: Any) -> list[CostLine]:
    """A schedule's invocations, and the processing time of the SageMaker Pipeline it starts (if it does)."""
    runs = runs_per_month(schedule.values.get("schedule_expression"))
    enabled = str(schedule.values.get("state") or "ENABLED").upper() != "DISABLED"
    off = "" if enabled else "schedule off until the endpoint exists; "
    lines = [CostLine("scheduler", schedule.address, f"{runs:.0f} invocations/month", "EventBridge Scheduler",
                      runs, 0.0, SCHEDULER_USD_PER_INVOCATION,
                      runs * SCHEDULER_USD_PER_INVOCATION if enabled else 0.0,
                      runs * SCHEDULER_USD_PER_INVOCATION,
                      note=off + "the first 14 million invocations a month are free")]
    target = dig(schedule.values, "target.arn")
    for pipeline in config.referenced(target, "aws_sagemaker_pipeline"):
        for step in _processing_steps(pipeline):
            cluster = dig(step, "ProcessingResources.ClusterConfig", {}) or {}
            instance = str(cluster.get("InstanceType", "ml.m5.large"))
            count = float(cluster.get("InstanceCount") or 1)
            seconds = dig(step, "StoppingCondition.MaxRuntimeInSeconds")
            run_hours = float(seconds) / 3600.0 if isinstance(seconds, (int, float)) else 1.0
            unit = price("processing", instance)
            full = unit * count * run_hours * runs if unit is not None else None
            lines.append(CostLine(
                "monitoring", pipeline.address, f"{runs:.0f} runs/month x up to {run_hours:g} h", instance, count,
                runs * run_hours, unit, full if enabled else (0.0 if unit is not None else None), full,
                note=off + "upper bound: each run billed for its maximum runtime"
                + ("" if unit is not None else f"; no price for {instance}")))
    return lines


def _condition_instance_types(config: Config) -> list[str]:
    from provisioner.audit.rules._common import IDENTITY_POLICY_TYPES, identity_documents

    found: list[str] = []
    for resource in config.of_type(*IDENTITY_POLICY_TYPES):
        for _, doc in identity_documents(resource, config):
            for statement in doc.allowing("sagemaker:CreateTrainingJob") if doc else []:
                for condition in statement.condition("sagemaker:InstanceTypes"):
                    found.extend(v for v in condition.values if v not in found and "${" not in v)
    return found
