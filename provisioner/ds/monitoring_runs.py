"""`provision monitoring run|report`: start the monitoring pipeline now, and read its last report.

The pipeline and the report location come from the names the stack uses
(infra/serving_names.py); nothing here builds resources.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from infra.serving_names import MONITORING_REPORTS_PREFIX, ServingNames
from provisioner.errors import InvalidInput, OperationFailed
from provisioner.models.resolved import WorkspaceContext

LATEST_REPORT = f"{MONITORING_REPORTS_PREFIX}/latest.json"


def require_pipeline_engine(ctx: WorkspaceContext, shown: str) -> None:
    engine = ctx.monitoring_settings.engine
    if engine != "pipeline":
        raise InvalidInput.single(
            shown, "parameters.monitoring.engine",
            f"workspace {ctx.name!r} monitors with {engine}, whose schedule SageMaker runs; this command drives "
            "the monitoring pipeline", "use monitoring.engine: pipeline (blueprint 1.1.0 or later)")


def start_run(sagemaker: Any, ctx: WorkspaceContext, now: dt.datetime | None = None) -> dict[str, str]:
    """Start one execution of the workspace's monitoring pipeline; returns its name and ARN."""
    from provisioner.cloud.aws import aws_errors, error_code

    pipeline = ServingNames.of(ctx).monitoring_pipeline
    stamp = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y%m%d-%H%M%S")
    try:
        with aws_errors(f"starting the monitoring pipeline {pipeline}"):
            answer = sagemaker.start_pipeline_execution(
                PipelineName=pipeline, PipelineExecutionDisplayName=f"manual-{stamp}",
                PipelineExecutionDescription="started by provision monitoring run")
    except OperationFailed as exc:
        if error_code(exc.__context__ or exc) in ("ResourceNotFound", "ValidationException"):
            raise OperationFailed(f"the monitoring pipeline {pipeline} does not exist in {ctx.account_id}/"
                                  f"{ctx.region}", f"apply the workspace first: provision plan {ctx.name}, "
                                  f"then provision apply {ctx.name}") from None
        raise
    return {"pipeline": pipeline, "execution_arn": answer["PipelineExecutionArn"]}


RUNNING = ("Executing", "Stopping")


def follow_run(sagemaker: Any, execution_arn: str, *, timeout: float = 900, poll: float = 1.0,
               sleep: Any = None) -> dict[str, Any]:
    """Wait until the execution has ended (or `timeout` seconds passed); returns its last description."""
    import time

    from provisioner.cloud.aws import aws_errors

    sleep = sleep or time.sleep
    deadline = time.monotonic() + timeout
    while True:
        with aws_errors(f"reading the monitoring run {execution_arn}"):
            described = sagemaker.describe_pipeline_execution(PipelineExecutionArn=execution_arn)
        if described.get("PipelineExecutionStatus") not in RUNNING or time.monotonic() >= deadline:
            return described
        sleep(poll)


def last_run(sagemaker: Any, ctx: WorkspaceContext) -> dict[str, Any] | None:
    """The newest execution of the workspace's monitoring pipeline (status, start, failure reason), or None:
    none yet, or it cannot be read (the report does not depend on it)."""
    from botocore.exceptions import BotoCoreError, ClientError

    pipeline = ServingNames.of(ctx).monitoring_pipeline
    try:
        summaries = sagemaker.list_pipeline_executions(
            PipelineName=pipeline, SortBy="CreationTime", SortOrder="Descending").get("PipelineExecutionSummaries")
        if not summaries:
            return None
        newest = max(summaries, key=lambda item: item.get("StartTime") or dt.datetime.min.replace(tzinfo=dt.timezone.utc))
        described = sagemaker.describe_pipeline_execution(PipelineExecutionArn=newest["PipelineExecutionArn"])
    except (BotoCoreError, ClientError):  # no permission, or no pipeline: the report is still there to read
        return None
    return {"execution_arn": newest["PipelineExecutionArn"], "status": described.get("PipelineExecutionStatus"),
            "started": newest.get("StartTime"), "failure_reason": described.get("FailureReason") or None}


def last_report(s3: Any, bucket: str) -> dict[str, Any] | None:
    """The last run's report (`monitoring/reports/latest.json` in the data bucket), or None before the first."""
    from provisioner.cloud.aws import aws_errors, error_code

    try:
        with aws_errors(f"reading s3://{bucket}/{LATEST_REPORT}"):
            body = s3.get_object(Bucket=bucket, Key=LATEST_REPORT)["Body"].read()
    except OperationFailed as exc:
        if error_code(exc.__context__ or exc) in ("NoSuchKey", "404"):
            return None
        raise
    try:
        return json.loads(body)
    except ValueError:
        raise OperationFailed(f"s3://{bucket}/{LATEST_REPORT} is not a JSON report",
                              "run the monitoring pipeline again: provision monitoring run") from None


def render_report(report: dict[str, Any]) -> str:
    """The report for people: per variant, records, drift and quality, and what was skipped."""
    lines = [f"monitoring report of {report.get('workspace')} ({report.get('endpoint')}), run at "
             f"{report.get('run_at')}: drift over {report.get('drift_window_hours')} h, quality over "
             f"{report.get('quality_window_hours')} h ({report.get('problem_type')})"]
    truth = report.get("ground_truth") or {}
    lines.append(f"ground truth: {truth.get('records', 0)} records, {truth.get('malformed_lines', 0)} malformed lines")
    for note in report.get("notes") or []:
        lines.append(f"note: {note}")
    threshold = report.get("max_drift_psi")
    for variant, part in sorted((report.get("variants") or {}).items()):
        lines.append("")
        lines.append(f"{variant}: {part.get('captured_records', 0)} captured records")
        drift = part.get("drift") or {}
        if drift.get("max_psi") is not None:
            drifted = drift.get("drifted") or []
            lines.append(f"  drift: largest PSI {drift['max_psi']:.3f} (alarm above {threshold}); "
                         + (f"drifted: {', '.join(drifted)}" if drifted else "no feature drifted"))
            for feature, value in sorted((drift.get("features") or {}).items(), key=lambda kv: -(kv[1] or 0))[:10]:
                lines.append(f"    {feature}: {'-' if value is None else f'{value:.3f}'}")
        else:
            lines.append(f"  drift: {drift.get('note', 'not computed')}")
        quality = part.get("quality") or {}
        metrics = {k: v for k, v in quality.items() if k not in ("labeled", "unreadable_outputs", "note")}
        if metrics:
            shown = ", ".join(f"{k} {v:.3f}" for k, v in sorted(metrics.items()))
            lines.append(f"  quality on {quality.get('labeled', 0)} labeled records: {shown}")
        else:
            lines.append(f"  quality: {quality.get('note', 'no labeled records')}")
        skipped = {k: v for k, v in (part.get("skipped") or {}).items() if v}
        if skipped:
            lines.append("  skipped: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in sorted(skipped.items())))
    return "\n".join(lines) + "\n"
