"""monitoring: a dashboard, alarms to the alert topic, and drift and model quality checks per variant.

- One CloudWatch dashboard per workspace: training (jobs from their logs, GPU
  and CPU utilization, failed jobs) when the workspace trains; serving
  (invocations, ModelLatency, 4XX/5XX per variant, instance utilization) when
  it has an endpoint; drift and quality per variant (pipeline engine); and the
  state of its alarms.
- Per production variant, alarms to the alert topic: 5XX rate above
  `monitoring.error_rate_percent`, ModelLatency p99 above
  `monitoring.latency_p99_ms`, and no invocations for 30 minutes (variants
  with weight 0 get no such alarm). See infra/constructs/monitoring.py.
- With a guarded rollout (`serving.deployment.rollback_on_alarms`), per
  production variant the same two thresholds on the new fleet alone
  (RollbackAlarms, dimension EndpointConfigName): what rolls the update back;
  the execution role may DescribeAlarms them, as SageMaker's guardrails need.
- Failed training jobs reach the same topic through the training
  capability's EventBridge rule (one message per job, with the failure reason),
  which is sooner and more precise than a metric alarm; the dashboard counts them.
- Drift and quality, by `monitoring.engine` (`ctx.monitoring_settings`;
  provisioner/models/monitoring.py decides the engine of blueprints that
  predate the parameter):
  - `pipeline` (every account): a SageMaker Pipeline runs provision's
    evaluation script (provisioner/monitoring/evaluate.py, read by the tool,
    handed in as `ctx.monitoring_script` and uploaded by Terraform) on the
    SageMaker scikit-learn processing image, started by EventBridge Scheduler
    (`monitoring.schedule`: hourly or daily). It reads the captured data and
    `ground-truth/`, compares with
    `<monitoring.baseline_prefix>/baseline.json`, publishes
    `provision/ModelQuality` metrics per variant and writes a report under
    monitoring/reports/. Alarms per variant on `monitoring.max_drift_psi` and
    `monitoring.min_quality`. The pipeline exists before the first model; its
    schedule is off until the endpoint does.
  - `model-monitor` (organizations that are SageMaker Model Monitor customers):
    a data quality job definition and a monitoring schedule comparing the
    captured data with statistics.json and constraints.json under the baseline
    prefix (create them with a baselining job, e.g.
    `DefaultModelMonitor.suggest_baseline` of the SageMaker SDK).
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from infra.capabilities._base import WorkspaceParts, capability
from infra.capabilities._serving_access import serving_access
from infra.capabilities.foundation import grant_vpc_network_interfaces
from infra.constructs._base import statement
from infra.constructs.endpoint import RealtimeEndpoint
from infra.constructs.execution_role import SCHEDULER, ExecutionRole
from infra.constructs.monitoring import (
    Dashboard,
    DataQualityMonitor,
    ModelQualityAlarms,
    RollbackAlarms,
    VariantAlarms,
    metric_widget,
    text_widget,
)
from infra.constructs.monitoring_pipeline import MonitoringPipeline
from infra.serving_names import (
    BASELINE_FILE,
    CAPTURE_PREFIX,
    GROUND_TRUTH_PREFIX,
    MONITORING_CODE_PREFIX,
    MONITORING_REPORTS_PREFIX,
    MONITORING_STATE_FILE,
    ServingNames,
)
from infra.stack_build import ref

if TYPE_CHECKING:
    from provisioner.models.serving import Variant

DEFAULT_LATENCY_P99_MS = 1000.0
DEFAULT_ERROR_RATE_PERCENT = 1.0
DEFAULT_BASELINE_PREFIX = "monitoring/baseline"
SCHEDULES = {
    # Model Monitor: expression (it accepts minute 0 only), longest run (at most the interval, 3600 s hourly)
    "hourly": ("cron(0 * ? * * *)", 1800),
    "daily": ("cron(0 0 ? * * *)", 3600),
}
# The pipeline starts a quarter past, so that the hour before has ended and its capture files have landed.
PIPELINE_SCHEDULES = {"hourly": "cron(15 * ? * * *)", "daily": "cron(15 0 ? * * *)"}
SETTLE_MINUTES = 10  # an hour counts as complete this long after it ended (the script's --settle-minutes)
MONITOR_INSTANCE_TYPE = "ml.m5.xlarge"
MONITOR_VOLUME_GB = 20
# The pipeline engine's processing job: the script streams JSON Lines, a small instance suffices.
PIPELINE_INSTANCE_TYPE = "ml.t3.medium"
PIPELINE_VOLUME_GB = 10
WINDOW_HOURS = {"hourly": 1, "daily": 24}  # the completed hours each scheduled run evaluates
QUALITY_WINDOW_HOURS = 168  # ground truth arrives late: a run's labels join the last week of captures

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
    engine = ctx.monitoring_settings.engine
    rows: list[list[dict[str, Any]]] = [[text_widget(
        f"# {ctx.name} ({ctx.environment})\nprovision workspace of team `{ctx.team}`, owner {ctx.owner}, "
        f"blueprint `{ctx.blueprint.ref}`. Alerts go to SNS topic `{parts.names.alert_topic}`.")]]
    alarm_arns: list[str] = []
    production = [v for v in serving_variants if not v.shadow]

    if ctx.has("training"):
        rows.extend(_training_rows(parts))
    monitor = None
    if endpoint is not None:
        for variant in production:
            alarms = VariantAlarms(
                parts.scope, f"alarms_{variant.name}", endpoint_name=endpoint.name, variant=variant.name,
                topic=parts.topic, alarm_name=lambda kind, v=variant.name: names.alarm(v, kind),
                error_rate_percent=float(ctx.param("monitoring.error_rate_percent", DEFAULT_ERROR_RATE_PERCENT)),
                latency_p99_ms=float(ctx.param("monitoring.latency_p99_ms", DEFAULT_LATENCY_P99_MS)),
                expect_traffic=variant.weight > 0,
            )
            alarm_arns.extend(_alarm_arn(parts, name) for name in alarms.names.values())
        alarm_arns.extend(_rollback_alarms(parts, names, endpoint, production))
        if engine == "model-monitor":
            monitor = _data_quality(parts, names, endpoint)
    elif ctx.has("serving"):
        parts.note("monitoring: no endpoint yet, so no endpoint alarms or serving dashboard widgets; they come "
                   "with the first model")
    if endpoint is not None:
        rows.extend(_serving_rows(parts, endpoint.name, serving_variants, monitor_schedule=monitor))
    if engine == "pipeline" and production and _captures(parts):
        alarm_arns.extend(_pipeline(parts, names, production, endpoint_ready=endpoint is not None))
        rows.extend(_quality_rows(parts, production))
    if alarm_arns:
        rows.append([{"type": "alarm", "properties": {"title": "Alarms", "alarms": alarm_arns}}])
    Dashboard(parts.scope, "dashboard", name=names.dashboard, rows=rows)
    parts.output("dashboard_name", names.dashboard, "CloudWatch dashboard of the workspace")


def _rollback_alarms(parts: WorkspaceParts, names: ServingNames, endpoint: RealtimeEndpoint,
                     production: list[Variant]) -> list[str]:
    """A guarded rollout rolls back when its new fleet errs or slows down: alarms on that fleet; their ARNs."""
    ctx, rollout = parts.ctx, parts.ctx.rollout
    if rollout is None or not rollout.rollback_on_alarms:
        return []
    arns = []
    for variant in production:
        alarms = RollbackAlarms(
            parts.scope, f"rollback_{variant.name}", endpoint_name=endpoint.name,
            config_name=ref(endpoint.config, "name"), variant=variant.name,
            alarm_name=lambda kind, v=variant.name: names.alarm(v, kind),
            error_rate_percent=float(ctx.param("monitoring.error_rate_percent", DEFAULT_ERROR_RATE_PERCENT)),
            latency_p99_ms=float(ctx.param("monitoring.latency_p99_ms", DEFAULT_LATENCY_P99_MS)),
            period_seconds=rollout.alarm_period_seconds, datapoints=rollout.alarm_datapoints)
        endpoint.add_rollback_alarms(alarms.alarms["5xx"], alarms.alarms["latency"])
        arns.extend(_alarm_arn(parts, name) for name in alarms.names.values())
    # SageMaker reads the rollback alarms with the execution role (developer guide, deployment guardrails).
    parts.role.add_to_policy(statement("ReadRollbackAlarms", "cloudwatch:DescribeAlarms", arns))
    return arns


def _captures(parts: WorkspaceParts) -> bool:
    if int(parts.ctx.param("serving.data_capture_percentage", 0) or 0) <= 0:
        parts.note("monitoring: data capture is off (serving.data_capture_percentage 0): no drift or quality "
                   "monitoring")
        return False
    return True


def _pipeline(parts: WorkspaceParts, names: ServingNames, production: list[Variant], *,
              endpoint_ready: bool) -> list[str]:
    """The pipeline engine: script, roles, pipeline, schedule and per-variant alarms; returns the alarms' ARNs."""
    ctx, settings, script = parts.ctx, parts.ctx.monitoring_settings, parts.ctx.monitoring_script
    image = settings.processing_image
    assert image is not None  # provisioner/specs/checks/monitoring.py refuses a region without one
    assert script is not None  # provisioner/specs/workspaces.py reads it for every blueprint with monitoring
    schedule = str(ctx.param("monitoring.schedule", "daily"))
    expression = PIPELINE_SCHEDULES[schedule]
    window = WINDOW_HOURS[schedule]
    max_psi = settings.max_drift_psi
    problem_type = settings.problem_type
    baseline_prefix = str(ctx.param("monitoring.baseline_prefix", DEFAULT_BASELINE_PREFIX)).strip("/")
    script_key = f"{MONITORING_CODE_PREFIX}/{script.sha256[:16]}/{script.file_name}"
    data = parts.data.arn
    capture = f"{CAPTURE_PREFIX}/{names.endpoint}"
    state = f"{MONITORING_REPORTS_PREFIX}/{MONITORING_STATE_FILE}"  # where the last scheduled run stopped

    role = ExecutionRole(
        parts.scope, "monitoring_role", name=names.monitoring_role, policy_name=names.monitoring_role_policy,
        account_id=ctx.account_id, partition=parts.names.partition,
        description=f"Monitoring pipeline of provision workspace {ctx.name} ({ctx.environment})")
    jobs = parts.names.sagemaker_arn("processing-job/pipelines-*")  # SageMaker Pipelines names its jobs so
    logs = (f"arn:{parts.names.partition}:logs:{ctx.region}:{ctx.account_id}:log-group:"
            "/aws/sagemaker/ProcessingJobs")
    role.add_to_policy(
        statement("RunMonitoringJobs", "sagemaker:CreateProcessingJob", jobs,
                  conditions={"StringEquals": {"sagemaker:VolumeKmsKey": parts.key.arn},
                              "Bool": {"sagemaker:InterContainerTrafficEncryption": "true"}}),
        # AddTags requests carry neither key above: under those conditions tagging a new job would be denied
        # (tests/infra/test_iam_grammar.py). Tags may be added only as a job is created.
        statement("TagMonitoringJobsOnCreate", "sagemaker:AddTags", jobs,
                  conditions={"StringEquals": {"sagemaker:TaggingAction": "CreateProcessingJob"}}),
        statement("WatchMonitoringJobs", ("sagemaker:DescribeProcessingJob", "sagemaker:StopProcessingJob"), jobs),
        statement("PassMonitoringRole", "iam:PassRole", role.arn,
                  conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}),
        statement("ListMonitoringInputs", "s3:ListBucket", data, conditions={"StringLike": {"s3:prefix": [
            f"{capture}/*", f"{GROUND_TRUTH_PREFIX}/*", f"{baseline_prefix}/*", state]}}),
        statement("ReadMonitoringInputs", "s3:GetObject", [
            f"{data}/{capture}/*", f"{data}/{GROUND_TRUTH_PREFIX}/*", f"{data}/{baseline_prefix}/*",
            f"{data}/{MONITORING_CODE_PREFIX}/*", f"{data}/{state}"]),
        statement("WriteMonitoringReports", "s3:PutObject", f"{data}/{MONITORING_REPORTS_PREFIX}/*"),
        statement("PublishModelQualityMetrics", "cloudwatch:PutMetricData", "*",
                  conditions={"StringEquals": {"cloudwatch:namespace": script.namespace}}),
        statement("WriteProcessingJobLogs", ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                                             "logs:DescribeLogStreams"), [logs, f"{logs}:log-stream:*"]),
    )
    parts.key.grant_encrypt_decrypt(role)
    parts.log_group.grant_write(role)  # one summary stream per run, kept for logs.retention_days
    if ctx.env.subnet_ids:
        grant_vpc_network_interfaces(parts, role)
    scheduler_role = ExecutionRole(
        parts.scope, "monitoring_scheduler_role", name=names.monitoring_scheduler_role,
        policy_name=names.monitoring_scheduler_policy, account_id=ctx.account_id, partition=parts.names.partition,
        description=f"Starts the monitoring pipeline of provision workspace {ctx.name} ({ctx.environment})",
        service=SCHEDULER)
    arguments = [
        "--bucket", parts.data.name, "--kms-key", parts.key.arn, "--workspace", ctx.name,
        "--endpoint", names.endpoint, "--variants", ",".join(v.name for v in production),
        "--problem-type", problem_type, "--capture-prefix", CAPTURE_PREFIX,
        "--ground-truth-prefix", GROUND_TRUTH_PREFIX, "--baseline-key", f"{baseline_prefix}/{BASELINE_FILE}",
        "--report-prefix", MONITORING_REPORTS_PREFIX, "--window-hours", str(window),
        "--quality-hours", str(QUALITY_WINDOW_HOURS), "--max-drift-psi", f"{max_psi:g}",
        "--settle-minutes", str(SETTLE_MINUTES), "--log-group", parts.log_group.name,
    ]
    MonitoringPipeline(
        parts.scope, "monitoring_pipeline",
        pipeline_name=names.monitoring_pipeline, pipeline_arn=names.monitoring_pipeline_arn,
        schedule_name=names.monitoring_schedule, role=role, scheduler_role=scheduler_role, key=parts.key,
        bucket=parts.data, script_key=script_key, script_text=script.text, image_uri=image,
        arguments=arguments, schedule_expression=expression, region=ctx.region, enabled=endpoint_ready,
        instance_type=PIPELINE_INSTANCE_TYPE, volume_size_gb=PIPELINE_VOLUME_GB,
        max_runtime_seconds=SCHEDULES[schedule][1],
        subnets=ctx.env.subnet_ids, security_group_ids=ctx.env.security_group_ids,
    )
    # People and CI start a run and follow it (`provision monitoring run`); the schedule needs none of this.
    serving_access(parts).add_to_policy(statement(
        "RunMonitoringPipeline", ("sagemaker:StartPipelineExecution", "sagemaker:ListPipelineExecutions"),
        names.monitoring_pipeline_arn))
    serving_access(parts).add_to_policy(statement(
        "ReadMonitoringRuns", "sagemaker:DescribePipelineExecution", f"{names.monitoring_pipeline_arn}/execution/*"))
    wanted = settings.min_quality
    arns = []
    for variant in production:
        alarms = ModelQualityAlarms(
            parts.scope, f"quality_{variant.name}", namespace=script.namespace, workspace=ctx.name,
            variant=variant.name, topic=parts.topic, alarm_name=lambda kind, v=variant.name: names.alarm(v, kind),
            period_seconds=window * 3600, max_drift_psi=max_psi,
            quality_metric=script.metric_names[wanted[0]] if wanted else None,
            quality_threshold=wanted[1] if wanted else None,
            quality_direction=settings.quality_direction,
        )
        arns.extend(_alarm_arn(parts, name) for name in alarms.names.values())
    parts.output("monitoring_pipeline_name", names.monitoring_pipeline,
                 "SageMaker Pipeline evaluating drift and model quality (provision monitoring run)")
    parts.note(f"monitoring: the pipeline compares captured data with s3://{parts.data.name}/{baseline_prefix}/"
               f"{BASELINE_FILE} and joins ground truth from s3://{parts.data.name}/{GROUND_TRUTH_PREFIX}/ on "
               "inferenceId (formats: docs/monitoring.md)")
    if not endpoint_ready:
        parts.note("monitoring: the monitoring pipeline is prepared; its schedule stays off until the endpoint "
                   "exists")
    return arns


def _quality_rows(parts: WorkspaceParts, production: list[Variant]) -> list[list[dict[str, Any]]]:
    ctx, script = parts.ctx, parts.ctx.monitoring_script
    assert script is not None  # only the pipeline engine has these rows
    region, period = ctx.region, WINDOW_HOURS[str(ctx.param("monitoring.schedule", "daily"))] * 3600

    def per_variant(metric: str) -> list[list[Any]]:
        return [[script.namespace, metric, "Workspace", ctx.name, "Variant", v.name, {"label": v.name}]
                for v in production]

    quality = script.metric_names[ctx.monitoring_settings.quality_metric]
    return [[
        metric_widget("Drifted features per variant (PSI: largest)", region,
                      per_variant("DriftedFeatures") + per_variant("MaxFeaturePSI"), stat="Maximum", period=period),
        metric_widget(f"{quality} per variant", region, per_variant(quality), stat="Average", period=period),
        metric_widget("Captured and labeled records per variant", region,
                      per_variant("CapturedRecords") + per_variant("LabeledRecords"), stat="Sum", period=period),
    ]]


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
    """Model Monitor: the data quality job definition and its schedule; the schedule's name (None when skipped)."""
    ctx = parts.ctx
    if not _captures(parts):
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
