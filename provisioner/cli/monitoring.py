"""`provision monitoring run|report`: the monitoring pipeline of a workspace, on demand.

    provision monitoring run NAME      start the monitoring pipeline now: a preview up to now (it also runs
                                       on its schedule, over the completed hours)
    provision monitoring report NAME   the last run's drift and quality per variant

`run` follows the run to its end on the local cloud (which runs the pipeline's
evaluation step itself, provisioner/localcloud/services/sagemaker_pipelines.py)
or with --wait; `report` also says when the newest run is still going or failed.

Exit codes: 2 when the workspace has no monitoring pipeline (no monitoring
capability, or the model-monitor engine), 1 when AWS fails or a followed run
failed (and `report` when there is no report because the last run failed).
boto3 is imported inside the commands only.
"""

from __future__ import annotations

from typing import Optional

import typer
from rich.markup import escape

from provisioner.cli._context import session
from provisioner.cli._output import OutputFormat, console, err_console, print_json

monitoring_app = typer.Typer(help="Drift and model quality per variant (the monitoring pipeline).",
                             no_args_is_help=True)
_output_option = typer.Option(OutputFormat.text, "--output", "-o")


def _pipeline_workspace(name: str, engine: Optional[str]):  # type: ignore[no-untyped-def]
    from provisioner.cli.ds import _workspace
    from provisioner.cloud.access import access_for
    from provisioner.ds.monitoring_runs import require_pipeline_engine
    from provisioner.ds.workspace import check_account, require_capability, spec_display

    s = session()
    ctx, facts = _workspace(s, name, engine)
    require_capability(ctx, "monitoring", "monitor a model", s.root)
    require_pipeline_engine(ctx, spec_display(ctx, s.root))
    aws = access_for(ctx).aws()  # the workspace's environment: AWS, or the local cloud
    check_account(aws, ctx)
    return ctx, facts, aws


@monitoring_app.command("run")
def monitoring_run(
    name: str = typer.Argument(..., help="Workspace name."),
    scheduled: bool = typer.Option(False, "--scheduled", help="Run what the schedule runs: the completed hours "
                                   "since the last scheduled run, published as metrics (default: a preview up to "
                                   "now that publishes nothing)."),
    wait: Optional[bool] = typer.Option(None, "--wait/--no-wait", show_default=False,
                                        help="Follow the run until it ends. Default: on the local cloud, which runs "
                                             "it in seconds; not on AWS, where a run takes minutes."),
    engine: Optional[str] = typer.Option(None, "--engine", envvar="PROVISION_ENGINE", show_default=False,
                                         help="Engine that reads the applied workspace's Terraform outputs."),
    output: OutputFormat = _output_option,
) -> None:
    """Start the workspace's monitoring pipeline now (drift and quality of every production variant)."""
    from provisioner.ds.monitoring_runs import follow_run, start_run
    from provisioner.errors import OperationFailed

    ctx, _, aws = _pipeline_workspace(name, engine)
    sagemaker = aws.client("sagemaker", ctx.region)
    started = start_run(sagemaker, ctx, mode="scheduled" if scheduled else "preview")
    follow = ctx.env.is_local if wait is None else wait
    if follow:
        if output == OutputFormat.text:
            err_console().print(f"started {escape(started['pipeline'])} ({started['mode']}): "
                                f"{escape(started['execution_arn'])}; "
                                "following it" + (" (the local cloud runs its evaluation step itself)"
                                                  if ctx.env.is_local else ""))
        ended = follow_run(sagemaker, started["execution_arn"])
        started["status"] = ended.get("PipelineExecutionStatus")
        if started["status"] == "Failed":
            raise OperationFailed(f"the monitoring run of {name} failed: {ended.get('FailureReason') or 'no reason given'}",
                                  _where_runs_log(ctx))
    if output == OutputFormat.json:
        print_json({"workspace": name, **started, "next": f"provision monitoring report {name}"})
        return
    if started["mode"] == "preview":
        console().print("a preview: it evaluates the data up to now and publishes no metrics; the schedule's runs "
                        "count every label once")
    if not follow:
        console().print(f"started {escape(started['pipeline'])} ({started['mode']}): {escape(started['execution_arn'])}")
        console().print(f"when it has finished (a few minutes): provision monitoring report {name}")
        return
    console().print(f"monitoring run of {escape(name)}: {escape(str(started['status']))}")
    console().print(f"next: provision monitoring report {name}")


def _where_runs_log(ctx) -> str:  # type: ignore[no-untyped-def]
    if ctx.env.is_local:
        return "the step's output is in .provision/sandbox/server.log (lines `local cloud: pipeline ...`)"
    return "see the processing job's log in CloudWatch Logs (/aws/sagemaker/ProcessingJobs)"


@monitoring_app.command("report")
def monitoring_report(
    name: str = typer.Argument(..., help="Workspace name."),
    engine: Optional[str] = typer.Option(None, "--engine", envvar="PROVISION_ENGINE", show_default=False,
                                         help="Engine that reads the applied workspace's Terraform outputs."),
    output: OutputFormat = _output_option,
) -> None:
    """Print the last monitoring run's report (monitoring/reports/latest.json in the data bucket)."""
    from provisioner.ds.monitoring_runs import LATEST_REPORT, RUNNING, last_report, last_run, render_report
    from provisioner.errors import OperationFailed

    ctx, facts, aws = _pipeline_workspace(name, engine)
    report = last_report(aws.client("s3", ctx.region), facts.data_bucket)
    run = last_run(aws.client("sagemaker", ctx.region), ctx)
    status = (run or {}).get("status")
    if report is None and status == "Failed":
        raise OperationFailed(f"no monitoring report of {name} yet: its last run failed: "
                              f"{run.get('failure_reason') or 'no reason given'}", _where_runs_log(ctx))
    if output == OutputFormat.json:
        print_json({"workspace": name, "report": report, "last_run": run})
        return
    started = run.get("started") if run else None
    when = started.strftime("%Y-%m-%d %H:%M:%S UTC") if hasattr(started, "strftime") else "just now"
    if report is None:
        if status in RUNNING:
            console().print(f"no report yet: the run started {when} is still {status.lower()}; ask again when it "
                            f"has finished: provision monitoring report {name}")
        else:
            console().print(f"no report in s3://{escape(facts.data_bucket)}/{LATEST_REPORT} yet; start a run with "
                            f"provision monitoring run {name}")
        return
    if status == "Failed":
        err_console().print(f"note: the last run (started {when}) failed: {escape(str(run.get('failure_reason')))}; "
                            f"this report is from the run before it")
    elif status in RUNNING:
        err_console().print(f"note: a run started {when} is still {status.lower()}; this report is from the run "
                            "before it")
    console().print(escape(render_report(report)), end="")


def register(app: typer.Typer) -> None:
    app.add_typer(monitoring_app, name="monitoring")
