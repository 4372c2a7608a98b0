"""monitoring: a dashboard, endpoint alarms to the alert topic, and data quality monitoring.

- One CloudWatch dashboard per workspace: training (jobs from their logs, GPU
  and CPU utilization, failed jobs) when the workspace trains; serving
  (invocations, ModelLatency, 4XX/5XX per variant, instance utilization, data
  quality violations) when it has an endpoint; and the state of its alarms.
- Per production variant, alarms to the alert topic: 5XX rate above
  `monitoring.error_rate_percent`, ModelLatency p99 above
  `monitoring.latency_p99_ms`, and no invocations for 30 minutes (variants
  with weight 0 get no such alarm). See infra/constructs/monitoring.py.
- Failed training jobs reach the same topic through the training
  capability's EventBridge rule (one message per job, with the failure reason),
  which is sooner and more precise than a metric alarm; the dashboard counts them.
- With an endpoint: a data quality job definition and a monitoring schedule
  (`monitoring.schedule`: hourly or daily) reading the captured data and
  comparing it with the baseline under `monitoring.baseline_prefix` in the
  data bucket (statistics.json, constraints.json; create them with a
  baselining job, e.g. `DefaultModelMonitor.suggest_baseline` of the SageMaker SDK).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from infra.capabilities._base import WorkspaceParts, capability
from infra.constructs._base import statement
from infra.constructs.endpoint import RealtimeEndpoint
from infra.constructs.monitoring import Dashboard, DataQualityMonitor, VariantAlarms, metric_widget, text_widget
from infra.serving_names import CAPTURE_PREFIX, MONITORING_REPORTS_PREFIX, ServingNames
from provisioner.model_sources import Variant

DEFAULT_LATENCY_P99_MS = 1000.0
DEFAULT_ERROR_RATE_PERCENT = 1.0
DEFAULT_BASELINE_PREFIX = "monitoring/baseline"
SCHEDULES = {
    # expression, longest run (SageMaker: at most the interval, and at most 3600 s for hourly)
    "hourly": ("cron(0 * ? * * *)", 1800),
    "daily": ("cron(0 0 ? * * *)", 3600),
}
MONITOR_INSTANCE_TYPE = "ml.m5.xlarge"
MONITOR_VOLUME_GB = 20

# Account of the SageMaker Model Monitor analyzer image (`sagemaker-model-monitor-analyzer`) per
# region, as published in aws/sagemaker-python-sdk src/sagemaker/image_uri_config/model-monitor.json
# and https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-pre-built-container.html.
# The AWS provider's aws_sagemaker_prebuilt_ecr_image data source does not know this repository.
MODEL_MONITOR_ACCOUNTS = {
    "af-south-1": "875698925577", "ap-east-1": "001633400207", "ap-northeast-1": "574779866223",
    "ap-northeast-2": "709848358524", "ap-northeast-3": "990339680094", "ap-south-1": "126357580389",
    "ap-southeast-1": "245545462676", "ap-southeast-2": "563025443158", "ca-central-1": "536280801234",
    "cn-north-1": "453000072557", "cn-northwest-1": "453252182341", "eu-central-1": "048819808253",
    "eu-north-1": "895015795356", "eu-south-1": "933208885752", "eu-west-1": "468650794304",
    "eu-west-2": "749857270468", "eu-west-3": "680080141114", "me-south-1": "607024016150",
    "sa-east-1": "539772159869", "us-east-1": "156813124566", "us-east-2": "777275614652",
    "us-gov-west-1": "362178532790", "us-west-1": "890145073186", "us-west-2": "159807026194",
}


def model_monitor_image(region: str) -> str | None:
    account = MODEL_MONITOR_ACCOUNTS.get(region)
    if account is None:
        return None
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"{account}.dkr.ecr.{region}.{suffix}/sagemaker-model-monitor-analyzer"


@capability("monitoring")
def build(parts: WorkspaceParts) -> None:
    ctx, names = parts.ctx, ServingNames.of(parts.ctx)
    endpoint: RealtimeEndpoint | None = parts.extras.get("endpoint")
    serving_variants: list[Variant] = parts.extras.get("serving_variants") or []
    rows: list[list[dict[str, Any]]] = [[text_widget(
        f"# {ctx.name} ({ctx.environment})\nprovision workspace of team `{ctx.team}`, owner {ctx.owner}, "
        f"blueprint `{ctx.blueprint.ref}`. Alerts go to SNS topic `{parts.names.alert_topic}`.")]]
    alarm_arns: list[str] = []

    if ctx.has("training"):
        rows.extend(_training_rows(parts))
    if endpoint is not None:
        production = [v for v in serving_variants if not v.shadow]
        for variant in production:
            alarms = VariantAlarms(
                parts.scope, f"alarms_{variant.name}", endpoint_name=endpoint.name, variant=variant.name,
                topic=parts.topic, alarm_name=lambda kind, v=variant.name: names.alarm(v, kind),
                error_rate_percent=float(ctx.param("monitoring.error_rate_percent", DEFAULT_ERROR_RATE_PERCENT)),
                latency_p99_ms=float(ctx.param("monitoring.latency_p99_ms", DEFAULT_LATENCY_P99_MS)),
                expect_traffic=variant.weight > 0,
            )
            alarm_arns.extend(_alarm_arn(parts, name) for name in alarms.names.values())
        monitor = _data_quality(parts, names, endpoint)
        rows.extend(_serving_rows(parts, endpoint.name, serving_variants, monitor_schedule=monitor))
    elif ctx.has("serving"):
        parts.note("monitoring: no endpoint yet, so no endpoint alarms, serving dashboard widgets or data quality "
                   "monitoring; they come with the first model")
    if alarm_arns:
        rows.append([{"type": "alarm", "properties": {"title": "Alarms", "alarms": alarm_arns}}])
    Dashboard(parts.scope, "dashboard", name=names.dashboard, rows=rows)
    parts.output("dashboard_name", names.dashboard, "CloudWatch dashboard of the workspace")


def _alarm_arn(parts: WorkspaceParts, name: str) -> str:
    ctx = parts.ctx
    return f"arn:{parts.names.partition}:cloudwatch:{ctx.region}:{ctx.account_id}:alarm:{name}"


def _search(namespace_dims: str, metric: str, term: str, stat: str, id: str, period: int = 300) -> list[list[Any]]:
    """Metrics of a dashboard widget: one SEARCH expression (metrics whose dimensions contain `term`)."""
    expression = f"SEARCH('{{{namespace_dims}}} MetricName=\"{metric}\" \"{term}\"', '{stat}', {period})"
    return [[{"expression": expression, "id": id, "label": ""}]]


def _training_rows(parts: WorkspaceParts) -> list[list[dict[str, Any]]]:
    prefix, region = parts.names.training_job_prefix, parts.ctx.region
    dims = "/aws/sagemaker/TrainingJobs,Host"
    jobs = {
        "type": "log",
        "properties": {
            "title": f"Training jobs ({prefix}-*) by their logs",
            "region": region,
            "view": "table",
            "query": ("SOURCE '/aws/sagemaker/TrainingJobs' "
                      f"| filter @logStream like /^{prefix}-/ "
                      "| parse @logStream /^(?<job>[^/]+)\\// "
                      "| stats earliest(@timestamp) as first_log, latest(@timestamp) as last_log by job "
                      "| sort last_log desc | limit 20"),
        },
    }
    failed = metric_widget(
        "Failed training jobs", region,
        [["AWS/Events", "TriggeredRules", "RuleName", parts.names.training_failed_rule, {"label": "failed jobs"}]],
        stat="Sum", period=3600)
    return [
        [jobs, failed],
        [
            metric_widget("GPU utilization (%)", region, _search(dims, "GPUUtilization", prefix, "Average", "gpu"),
                          stat="Average"),
            metric_widget("GPU memory utilization (%)", region,
                          _search(dims, "GPUMemoryUtilization", prefix, "Average", "gpumem"), stat="Average"),
            metric_widget("CPU utilization (%)", region, _search(dims, "CPUUtilization", prefix, "Average", "cpu"),
                          stat="Average"),
        ],
    ]


def _serving_rows(parts: WorkspaceParts, endpoint_name: str, serving_variants: list[Variant],
                  monitor_schedule: str | None) -> list[list[dict[str, Any]]]:
    region = parts.ctx.region

    def per_variant(metric: str, stat: str | None = None, namespace: str = "AWS/SageMaker") -> list[list[Any]]:
        lines = []
        for variant in serving_variants:
            options: dict[str, Any] = {"label": variant.name + (" (shadow)" if variant.shadow else "")}
            if stat:
                options["stat"] = stat
            lines.append([namespace, metric, "EndpointName", endpoint_name, "VariantName", variant.name, options])
        return lines

    instances = "/aws/sagemaker/Endpoints"
    rows = [
        [
            metric_widget("Invocations per variant", region, per_variant("Invocations"), stat="Sum"),
            metric_widget("ModelLatency p99 (microseconds)", region, per_variant("ModelLatency", "p99"), stat="p99"),
            metric_widget("ModelLatency p50 (microseconds)", region, per_variant("ModelLatency", "p50"), stat="p50"),
        ],
        [
            metric_widget("4XX errors per variant", region, per_variant("Invocation4XXErrors"), stat="Sum"),
            metric_widget("5XX errors per variant", region, per_variant("Invocation5XXErrors"), stat="Sum"),
            metric_widget("Instance CPU utilization (%)", region,
                          per_variant("CPUUtilization", namespace=instances), stat="Average"),
            metric_widget("Instance memory utilization (%)", region,
                          per_variant("MemoryUtilization", namespace=instances), stat="Average"),
        ],
    ]
    if monitor_schedule is not None:
        search = ("SEARCH('{aws/sagemaker/Endpoints/data-metrics,Endpoint,MonitoringSchedule} "
                  f"Endpoint=\"{endpoint_name}\" MonitoringSchedule=\"{monitor_schedule}\"', 'Maximum', 3600)")
        rows.append([metric_widget("Data quality metrics (Model Monitor)", region,
                                   [[{"expression": search, "id": "quality", "label": ""}]],
                                   stat="Maximum", period=3600)])
    return rows


def _data_quality(parts: WorkspaceParts, names: ServingNames, endpoint: RealtimeEndpoint) -> str | None:
    """The data quality job definition and its schedule; returns the schedule's name (None when skipped)."""
    ctx = parts.ctx
    if int(ctx.param("serving.data_capture_percentage", 0) or 0) <= 0:
        parts.note("monitoring: data capture is off (serving.data_capture_percentage 0): no data quality monitoring")
        return None
    image = model_monitor_image(ctx.region)
    if image is None:
        parts.note(f"monitoring: no SageMaker Model Monitor image is known for {ctx.region}: "
                   "no data quality monitoring")
        return None
    expression, max_runtime = SCHEDULES[ctx.param("monitoring.schedule", "daily")]
    baseline_prefix = str(ctx.param("monitoring.baseline_prefix", DEFAULT_BASELINE_PREFIX)).strip("/")
    baseline_uri = f"s3://{parts.data.name}/{baseline_prefix}"
    output_uri = f"s3://{parts.data.name}/{MONITORING_REPORTS_PREFIX}"
    settings = [names.endpoint, image, baseline_uri, output_uri, MONITOR_INSTANCE_TYPE, MONITOR_VOLUME_GB,
                max_runtime, list(ctx.env.subnet_ids), list(ctx.env.security_group_ids)]
    digest = hashlib.sha256(json.dumps(settings).encode()).hexdigest()[:8]
    # The job reads captured data and the baseline (the role reads the data bucket) and writes reports.
    parts.role.add_to_policy(statement(
        "WriteMonitoringReports", "s3:PutObject", f"{parts.data.arn}/{MONITORING_REPORTS_PREFIX}/*"))
    parts.key.grant_encrypt_decrypt(parts.role)
    DataQualityMonitor(
        parts.scope, "monitoring",
        definition_name=names.data_quality_definition(digest),
        schedule_name=names.data_quality_schedule,
        endpoint_name=endpoint.endpoint.name,
        image_uri=image,
        role=parts.role,
        key=parts.key,
        baseline_uri=baseline_uri,
        output_uri=output_uri,
        schedule_expression=expression,
        max_runtime_seconds=max_runtime,
        instance_type=MONITOR_INSTANCE_TYPE,
        volume_size_gb=MONITOR_VOLUME_GB,
        subnets=ctx.env.subnet_ids,
        security_group_ids=ctx.env.security_group_ids,
    )
    parts.note(f"monitoring: data quality checks compare captured data (s3://{parts.data.name}/{CAPTURE_PREFIX}/) "
               f"with the baseline in {baseline_uri}/ (statistics.json, constraints.json): create it before "
               "the first scheduled run")
    return names.data_quality_schedule
