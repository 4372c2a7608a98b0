"""`provision monitoring run|report`: the monitoring pipeline of a workspace, on demand.

    provision monitoring run NAME      start the monitoring pipeline now (it also runs on its schedule)
    provision monitoring report NAME   the last run's drift and quality per variant

Exit codes: 2 when the workspace has no monitoring pipeline (no monitoring
capability, or the model-monitor engine), 1 when AWS fails. boto3 is imported
inside the commands only.
"""

from __future__ import annotations

from typing import Optional

import typer
from rich.markup import escape

from provisioner.cli._context import session
from provisioner.cli._output import OutputFormat, console, print_json

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
    engine: Optional[str] = typer.Option(None, "--engine", envvar="PROVISION_ENGINE", show_default=False,
                                         help="Engine that reads the applied workspace's Terraform outputs."),
    output: OutputFormat = _output_option,
) -> None:
    """Start the workspace's monitoring pipeline now (drift and quality of every production variant)."""
    from provisioner.ds.monitoring_runs import start_run

    ctx, _, aws = _pipeline_workspace(name, engine)
    started = start_run(aws.client("sagemaker", ctx.region), ctx)
    if output == OutputFormat.json:
        print_json({"workspace": name, **started, "next": f"provision monitoring report {name}"})
        return
    console().print(f"started {escape(started['pipeline'])}: {escape(started['execution_arn'])}")
    console().print(f"when it has finished (a few minutes): provision monitoring report {name}")


@monitoring_app.command("report")
def monitoring_report(
    name: str = typer.Argument(..., help="Workspace name."),
    engine: Optional[str] = typer.Option(None, "--engine", envvar="PROVISION_ENGINE", show_default=False,
                                         help="Engine that reads the applied workspace's Terraform outputs."),
    output: OutputFormat = _output_option,
) -> None:
    """Print the last monitoring run's report (monitoring/reports/latest.json in the data bucket)."""
    from provisioner.ds.monitoring_runs import LATEST_REPORT, last_report, render_report

    ctx, facts, aws = _pipeline_workspace(name, engine)
    report = last_report(aws.client("s3", ctx.region), facts.data_bucket)
    if output == OutputFormat.json:
        print_json({"workspace": name, "report": report})
        return
    if report is None:
        console().print(f"no report in s3://{escape(facts.data_bucket)}/{LATEST_REPORT} yet; start a run with "
                        f"provision monitoring run {name}")
        return
    console().print(escape(render_report(report)), end="")


def register(app: typer.Typer) -> None:
    app.add_typer(monitoring_app, name="monitoring")
