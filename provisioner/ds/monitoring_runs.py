"""`provision monitoring run|report`: start the monitoring pipeline now, and read its last report.

The pipeline and the report location come from the names the stack uses
(infra/serving_names.py); nothing here builds resources.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from provisioner.runtime import clock
from infra.serving_names import MONITORING_MODE_PARAMETER, MONITORING_REPORTS_PREFIX, ServingNames
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


def start_run(sagemaker: Any, ctx: WorkspaceContext, mode: str = "preview",
              now: dt.datetime | None = None) -> dict[str, str]:
    """Start one execution of the workspace's monitoring pipeline; returns its name, ARN and mode.

    `preview` evaluates up to now (the running hour too) and publishes nothing;
    `scheduled` is what the schedule starts: the completed hours since the last
    scheduled run, published (provisioner/monitoring/evaluate.py, "Windows").
    """
    from provisioner.cloud.aws import aws_errors, error_code

    pipeline = ServingNames.of(ctx).monitoring_pipeline
    stamp = (now or clock.now()).strftime("%Y%m%d-%H%M%S")
    try:
        with aws_errors(f"starting the monitoring pipeline {pipeline}"):
            answer = sagemaker.start_pipeline_execution(
                PipelineName=pipeline, PipelineExecutionDisplayName=f"{mode}-{stamp}",
                PipelineExecutionDescription=f"started by provision monitoring run ({mode})",
                PipelineParameters=[{"Name": MONITORING_MODE_PARAMETER, "Value": mode}])
    except OperationFailed as exc:
        cause = exc.__context__ or exc
        if error_code(cause) == "ValidationException" and MONITORING_MODE_PARAMETER in str(cause):
            raise OperationFailed(f"the monitoring pipeline {pipeline} was applied by an older provision and has "
                                  f"no {MONITORING_MODE_PARAMETER} parameter", f"apply the workspace again: provision plan "
                                  f"{ctx.name}, then provision apply {ctx.name}") from None
        if error_code(cause) in ("ResourceNotFound", "ValidationException"):
            raise OperationFailed(f"the monitoring pipeline {pipeline} does not exist in {ctx.account_id}/"
                                  f"{ctx.region}", f"apply the workspace first: provision plan {ctx.name}, "
                                  f"then provision apply {ctx.name}") from None
        raise
    return {"pipeline": pipeline, "execution_arn": answer["PipelineExecutionArn"], "mode": mode}


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
    """The report for people: its window, per variant records, drift and quality, and what was skipped."""
    window = report.get("window") or {}
    mode = report.get("mode", "scheduled")
    lines = [f"monitoring report of {report.get('workspace')} ({report.get('endpoint')}), {mode} run at "
             f"{report.get('run_at')}: data from {window.get('start')} to {window.get('end')} "
             f"({report.get('problem_type')})"]
    if mode == "preview":
        lines.append("a preview: nothing was published and the next scheduled run evaluates this data again")
    truth = report.get("ground_truth") or {}
    lines.append(f"ground truth uploaded in the window: {truth.get('records', 0)} labels, "
                 f"{truth.get('malformed_lines', 0)} malformed lines, {truth.get('without_capture', 0)} without a "
                 f"capture of the last {report.get('quality_lookback_hours')} h")
    for note in [*(report.get("notes") or []), *([truth["note"]] if truth.get("note") else [])]:
        lines.append(f"note: {note}")
    threshold = report.get("max_drift_psi")
    rate = report.get("drift_false_alarm_rate")
    for variant, part in sorted((report.get("variants") or {}).items()):
        lines.append("")
        lines.append(f"{variant}: {part.get('captured_records', 0)} captured records")
        drift = part.get("drift") or {}
        features = drift.get("features") or {}
        if features:
            drifted = drift.get("drifted") or []
            lines.append(f"  drift: " + (f"drifted: {', '.join(drifted)}" if drifted else "no feature drifted")
                         + f" (a feature drifts when it moved by a PSI above {threshold} and by more than chance "
                         f"gives at {drift.get('records')} records; false alarms at most "
                         f"{100 * (rate or 0):g} % of runs)")
            ordered = sorted(features.items(), key=lambda kv: (not kv[1].get("drifted"), -(kv[1].get("psi") or 0)))
            for feature, found in ordered[:10]:
                value = found.get("psi")
                extra = [f"missing {100 * found['missing_share']:.1f} %"] if found.get("missing_share") else []
                extra += [f"{found['wrong_type']} values of the wrong type"] if found.get("wrong_type") else []
                extra += [f"drifted: {', '.join(found['signals'])}"] if found.get("signals") else []
                lines.append(f"    {feature}: PSI {'-' if value is None else f'{value:.3f}'}"
                             + (f" ({'; '.join(extra)})" if extra else ""))
        else:
            lines.append(f"  drift: {drift.get('note', 'not computed')}")
        quality = part.get("quality") or {}
        metrics = {k: v for k, v in quality.items()
                   if k not in ("labeled", "unreadable_outputs", "note", "counts", "auc_sample")}
        if metrics:
            shown = ", ".join(f"{k} {v:.3f}" for k, v in sorted(metrics.items()))
            sample = f" (AUC on a sample of {quality['auc_sample']})" if quality.get("auc_sample") else ""
            lines.append(f"  quality on {quality.get('labeled', 0)} labels of the window: {shown}{sample}")
        else:
            lines.append(f"  quality: {quality.get('note', 'no labeled records')}")
        if quality.get("unreadable_outputs"):
            lines.append(f"  {quality['unreadable_outputs']} labeled records had an output that could not be read "
                         "(see the output formats in docs/monitoring.md)")
        skipped = {k: v for k, v in (part.get("skipped") or {}).items() if v}
        if skipped:
            lines.append("  skipped: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in sorted(skipped.items())))
    return "\n".join(lines) + "\n"
