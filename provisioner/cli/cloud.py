"""`provision bootstrap | preflight | inventory | status`: asking AWS directly (boto3).

Terraform cannot say before an apply whether the credentials, region, state
bucket and GPU quotas are right, nor after it what runs and what was left
behind. These commands can. boto3 is imported inside the commands only.

`provision apply` runs the same checks through the pre-apply gate
`provisioner.cloud.preflight:gate` (provisioner.engine.gates); `preflight_gate(ctx)`
here is the printing variant: it runs the checks, prints them, and raises
OperationFailed (exit 1) when one fails.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Optional

import typer
from rich.markup import escape

from provisioner.runtime import clock
from provisioner.cli._checks import print_checks
from provisioner.cli._context import session
from provisioner.cli._output import OutputFormat, console, print_json
from provisioner.errors import OperationFailed

if TYPE_CHECKING:
    from provisioner.cloud.aws import Aws
    from provisioner.cloud.inventory import InventoryReport
    from provisioner.runtime.readiness import Check
    from provisioner.cloud.state_backend import BootstrapResult
    from provisioner.cloud.status import WorkspaceStatus
    from provisioner.models.resolved import WorkspaceContext

ACTION_STYLE = {"created": "green", "updated": "yellow", "unchanged": "dim", "would-create": "yellow",
                "would-update": "yellow", "failed": "bold red"}


def new_aws(ctx: Optional["WorkspaceContext"] = None) -> "Aws":
    """The AWS session of one command: of the workspace's environment (provisioner.cloud.access), else the
    default credential chain. Adaptive retries either way."""
    from provisioner.cloud.access import access_for
    from provisioner.cloud.aws import Aws

    return Aws() if ctx is None else access_for(ctx).aws()


def _when(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return "-" if value is None else str(value)


def _table(*columns: str) -> Any:
    from rich.table import Table

    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


# bootstrap ---------------------------------------------------------------------------------------------------------

def bootstrap(
    env: str = typer.Argument(..., help="Environment from provision.yaml whose state bucket to create or fix."),
    check: bool = typer.Option(False, "--check", help="Change nothing; report what would change (exit 1 if any)."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """Create, idempotently, the state bucket (and KMS key) of an environment, and its deploy role if it names one."""
    from provisioner.cloud.state_backend import bootstrap as run_bootstrap
    from provisioner.cloud.state_backend import state_target
    from provisioner.errors import InvalidInput

    s = session()
    environment = s.org.config.environments.get(env)
    if environment is None:
        raise InvalidInput([s.org.unknown_environment(env, "<command line>", "ENV")])
    if environment.is_local:
        _bootstrap_local(s.root, env, environment, output, s.org.path.name)
        return
    from provisioner.cloud.aws import Aws
    from provisioner.cloud.deploy_role import ensure_deploy_role, validate

    target = state_target(s.org.name, env, environment, s.org.path.name)
    repository = s.org.config.github_repository
    validate(env, environment, s.org.path.name, repository)  # before anything is created
    # Bootstrap runs before the deploy role exists: with the shell's credentials (or the environment's profile).
    aws = Aws(profile=environment.profile) if environment.profile else new_aws()
    result = run_bootstrap(aws, target, check_only=check)
    role_steps = ensure_deploy_role(aws, s.org.name, env, environment, check_only=check, file=s.org.path.name,
                                    repository=repository)
    if output == OutputFormat.json:
        print_json({**result.to_dict(), "deploy_role": [{"name": n, "action": a, "detail": d}
                                                        for n, a, d in role_steps]})
    else:
        _print_bootstrap(result, check)
        for step, action, detail in role_steps:
            console().print(f"  [{ACTION_STYLE[action]}]{action:<12}[/] {step}  {escape(detail)}")
    role_drifts = [n for n, a, _ in role_steps if a.startswith("would-")]
    if check and (result.drifts or role_drifts):
        raise OperationFailed(f"the state backend or deploy role of {env!r} differs in "
                              f"{len(result.drifts) + len(role_drifts)} setting(s)",
                              f"run `provision bootstrap {env}` to fix them")


def _bootstrap_local(root: Any, name: str, environment: Any, output: OutputFormat, file: str) -> None:
    """A local cloud has no state bucket (its state files must outlive it); it gets what AWS accounts already have."""
    from provisioner.cloud.access import access
    from provisioner.localcloud.seed import ensure_studio_domain

    aws = access(root, name, environment).aws()
    identity = aws.identity(environment.region)
    seeded = ([ensure_studio_domain(aws, environment.region, environment.studio.domain_id, file=file)]
              if environment.studio else [])
    state = ".provision/state/"
    if output == OutputFormat.json:
        print_json({"environment": name, "cloud": "local", "endpoint": aws.local_endpoint,
                    "account_id": identity.account_id, "state": state,
                    "changed": any(action == "created" for action, _ in seeded),
                    "seeded": [{"action": action, "detail": detail} for action, detail in seeded]})
        return
    console().print(f"[bold]{escape(name)}[/] is a local cloud at {aws.local_endpoint} (account "
                    f"{identity.account_id}): no state bucket to create")
    for action, detail in seeded:
        console().print(f"  [{ACTION_STYLE[action]}]{action:<12}[/] {escape(detail)} (on AWS it is the platform "
                        "team's; the local cloud starts empty)")
    console().print(f"its Terraform state stays in {state} (local files, which outlive the sandbox: a state "
                    "bucket in it would be lost on stop)")


def _print_bootstrap(result: "BootstrapResult", check: bool) -> None:
    out = console()
    target = result.target
    out.print(f"[bold]state backend of {escape(target.environment)}[/] (account {target.account_id}, {target.region})")
    width = max((len(step.name) for step in result.steps), default=0)
    for step in result.steps:
        out.print(f"  [{ACTION_STYLE[step.action]}]{step.action:<12}[/] {step.name:<{width}}  {escape(step.detail)}")
    for warning in result.warnings:
        out.print(f"[yellow]warning[/]: {escape(warning)}")
    if check:
        out.print("drift found: run `provision bootstrap " + escape(target.environment) + "`" if result.drifts
                  else "no drift: the state backend is bootstrapped")
        return
    if result.changed:
        changed = sum(step.changed for step in result.steps)
        out.print(f"[green]bootstrapped[/]: {changed} setting(s) created or updated")
    else:
        out.print("nothing to change: the state backend was already bootstrapped")
    out.print("[bold]verified backend settings[/] (Terraform S3 backend):")
    for key, value in result.backend_settings().items():
        out.print(f"  {key} = {escape(str(value))}")
    if result.kms_key_arn:
        out.print(f"state objects are encrypted by default with {escape(result.kms_key_arn)}")


# preflight ---------------------------------------------------------------------------------------------------------

def _gate(ctx: "WorkspaceContext", checks: list["Check"]) -> None:
    from provisioner.runtime.readiness import failures

    failed = failures(checks)
    if failed:
        names = ", ".join(check.title for check in failed)
        raise OperationFailed(f"preflight of {ctx.name!r} failed {len(failed)} check(s): {names}",
                              "apply each fix shown above and rerun, or skip with the apply command's "
                              "--skip-preflight flag")


def preflight_gate(ctx: "WorkspaceContext", *, aws: Optional["Aws"] = None,
                   output: OutputFormat = OutputFormat.text) -> list["Check"]:
    """Run, print and enforce the preflight checks of one workspace (for `apply`).

    Returns the checks when none failed; raises OperationFailed (exit 1) otherwise.
    """
    from provisioner.cloud.preflight import run_preflight

    checks = run_preflight(ctx, aws=aws or new_aws(ctx))
    if output == OutputFormat.json:
        print_json({"workspace": ctx.name, "checks": [c.to_dict() for c in checks]})
    else:
        print_checks(checks, heading=f"[bold]preflight {escape(ctx.name)}[/] "
                                    f"({ctx.environment}, account {ctx.account_id}, {ctx.region})")
    _gate(ctx, checks)
    return checks


def preflight(
    name: str = typer.Argument(..., help="Workspace name."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """Check credentials, region, state bucket and SageMaker quotas before an apply (exit 1 if one fails)."""
    from provisioner.specs.workspaces import load_named

    s = session()
    ctx = load_named(s.org, s.catalog, name)
    preflight_gate(ctx, output=output)


# inventory ---------------------------------------------------------------------------------------------------------

def inventory(
    env: list[str] = typer.Option([], "--env", "-e", help="Environment to scan (repeatable; default: all of the "
                                                          "credentials' account)."),
    since_days: int = typer.Option(30, "--since-days", min=1, help="Look at training jobs created, and endpoint "
                                                                    "invocations, this many days back."),
    report_format: Optional[str] = typer.Option(
        None, "--format", help="Print the findings as a report to send around, most expensive first: md, json or csv "
                               "(creator, age, last use, monthly cost of each orphan and untagged ML resource)."),
    today: Optional[str] = typer.Option(None, "--today", help="Pretend today is this date (YYYY-MM-DD): ages and "
                                                               "expiry are counted to it."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """List live resources tagged by provision, grouped by workspace; flag orphans, untagged ML resources, expiry;
    attribute each finding (creator from CloudTrail, age, last use, monthly cost)."""
    from provisioner.audit.cost import PriceTable
    from provisioner.cli.fleet import parse_today
    from provisioner.cloud.findings_report import FORMATS, render
    from provisioner.cloud.inventory import take_inventory
    from provisioner.errors import InvalidInput

    if report_format is not None and report_format not in FORMATS:
        raise InvalidInput.single("<command line>", "--format", f"{report_format!r} is not a report format",
                                  f"use one of {', '.join(FORMATS)}")
    s = session()
    report = take_inventory(s.org, env or None, aws=_inventory_aws(s, env), since_days=since_days,
                            today=parse_today(today), attribute=True,
                            prices=PriceTable.load(s.provision_dir / "prices.json"))
    if report_format is not None:
        typer.echo(render(report, report_format), nl=False)
        return
    if output == OutputFormat.json:
        print_json(report.to_dict())
        return
    _print_inventory(report)


def _inventory_aws(s: Any, selected: list[str]) -> "Aws":
    """The local cloud's session when the selection names a local-cloud environment, else the caller's."""
    from provisioner.cloud.access import access

    local = [name for name in selected if name in s.org.config.environments
             and s.org.config.environments[name].is_local]
    if local:
        return access(s.root, local[0], s.org.config.environments[local[0]]).aws()
    return new_aws()


def _print_inventory(report: "InventoryReport") -> None:
    from provisioner.cloud.inventory import SHARED

    out = console()
    out.print(f"[bold]inventory of {escape(report.org)}[/] in account {report.account_id}, "
              f"{', '.join(report.regions)} (environments: {', '.join(report.environments)})")
    for env, why in sorted(report.skipped.items()):
        out.print(f"[dim]skipped environment {escape(env)}: {escape(why)}[/]")
    for problem in report.spec_problems:
        out.print(f"[yellow]spec problem[/]: {escape(problem)}")
    if not report.workspaces:
        out.print("no live resources tagged provision:org=" + escape(report.org))
    for name in sorted(report.workspaces, key=lambda n: (n == SHARED, n)):
        items = report.workspaces[name]
        envs = sorted({r.environment or "-" for r in items})
        out.print(f"\n[bold]{escape(name)}[/] ({', '.join(envs)}): {len(items)} resource(s)")
        table = _table("type", "name", "region")
        for resource in items:
            table.add_row(resource.type, escape(resource.name), resource.region or "-")
        out.print(table)
    if report.orphans:
        out.print(f"\n[bold red]orphans[/] ({len(report.orphans)}): tagged for a workspace no spec here accounts for")
        for orphan in report.orphans:
            out.print(f"  {escape(orphan.workspace)} ({orphan.environment or '-'}): {escape(orphan.reason)}; "
                      f"{len(orphan.resources)} resource(s)")
            for resource in orphan.resources:
                out.print(f"    {resource.type} {escape(resource.arn)}")
        out.print("  fix: restore the spec from version control and run `provision destroy NAME`, "
                  "or delete them by hand")
    if report.untagged:
        out.print(f"\n[bold yellow]untagged ML resources[/] ({len(report.untagged)}): no provision:workspace tag")
        for resource in report.untagged:
            out.print(f"  {resource.type} {escape(resource.arn)}")
        out.print("  fix: create them through a workspace (its role tags them), tag them, or delete them")
    if report.expired:
        out.print(f"\n[bold yellow]expired workspaces[/] ({len(report.expired)})")
        for item in report.expired:
            live = "not scanned" if item.live_resources is None else f"{item.live_resources} live resource(s)"
            out.print(f"  {escape(item.workspace)} ({item.environment}): expired {item.expires.isoformat()}, "
                      f"{item.days_past} day(s) ago; {live}")
        out.print("  fix: `provision destroy NAME`, or extend `expires` in the spec through review")
    if report.pending_deletion:
        out.print(f"\n[dim]{len(report.pending_deletion)} KMS key(s) pending deletion (a destroy scheduled them; AWS "
                  "deletes them after the waiting period): not counted above[/]")
    if report.attributions:
        _print_attributions(report)
    if not report.findings:
        out.print("\nno orphans, untagged ML resources or expired workspaces")


def _print_attributions(report: "InventoryReport") -> None:
    from provisioner.cloud.findings_report import total_usd

    out = console()
    out.print(f"\n[bold]who made them, and what they cost[/] (most expensive first; {len(report.attributions)} "
              f"resource(s), ${total_usd(report):,.2f} a month)")
    table = _table("  monthly", "type", "name", "creator", "age", "last used")
    for item in report.attributions:
        table.add_row(f"  {'unknown' if item.monthly_usd is None else f'${item.monthly_usd:,.2f}'}", item.type,
                      escape(item.name), escape(item.creator or "unknown"),
                      "-" if item.age_days is None else f"{item.age_days} d",
                      _when(item.last_used) if item.last_used else "never seen")
    out.print(table)
    out.print("  report: `provision inventory --format md` (or json, csv); act: `provision adopt` or `provision retire`")


# status ------------------------------------------------------------------------------------------------------------

def status(
    name: str = typer.Argument(..., help="Workspace name."),
    since_days: int = typer.Option(30, "--since-days", min=1, help="Training jobs created this many days back."),
    limit: int = typer.Option(10, "--limit", min=1, help="Most training jobs and registry versions to show."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """Live state of one workspace: endpoints and variants, training jobs, registry versions, alarms in ALARM."""
    from provisioner.cloud.status import workspace_status
    from provisioner.specs.workspaces import load_named

    from provisioner.synthesis.synth import DEFAULT_OUT, synthesized_resources

    s = session()
    ctx = load_named(s.org, s.catalog, name)
    result = workspace_status(ctx, aws=new_aws(ctx), since_days=since_days, limit=limit)
    configured = synthesized_resources((s.root / DEFAULT_OUT).resolve(), name)
    if output == OutputFormat.json:
        print_json({**result.to_dict(), "synthesized_resources": configured})
        return
    _print_status(result, configured)


def _print_status(result: "WorkspaceStatus", configured: Optional[int] = None) -> None:
    out = console()
    out.print(f"[bold]{escape(result.workspace)}[/] ({result.environment}, account {result.account_id}, "
              f"{result.region}): {len(result.resources)} tagged resource(s)"
              + (f": {', '.join(f'{n} {kind}' for kind, n in result.kinds.items())}" if result.resources else ""))
    if result.resources:
        of = f" (its last synth has {configured} Terraform resources)" if configured else ""
        out.print(f"[dim]these are what the Tagging API lists: resources with tags of their own; the policies, "
                  f"settings and attachments of the workspace{of} have none and are not counted "
                  f"(`provision plan {escape(result.workspace)}` shows every one)[/]")
    if result.expires:
        late = result.expires < clock.today()
        out.print(f"expires {result.expires.isoformat()}" + (" [bold yellow](expired)[/]" if late else ""))
    if not result.resources:
        out.print("no live resources carry this workspace's tags: not applied yet, or destroyed")
        return
    out.print("\n[bold]endpoints[/]" + ("" if result.endpoints else ": none"))
    for endpoint in result.endpoints:
        colour = "green" if endpoint.status == "InService" else "yellow"
        out.print(f"  {escape(endpoint.name)} [{colour}]{endpoint.status}[/] (config {escape(endpoint.config)})")
        if endpoint.failure_reason:
            out.print(f"    [red]failure:[/] {escape(endpoint.failure_reason)}")
        table = _table("  variant", "instance type", "weight now/wanted", "instances now/wanted", "status")
        for v in endpoint.variants:
            table.add_row(f"  {escape(v.name)}", v.instance_type or "-",
                          f"{_num(v.current_weight)}/{_num(v.desired_weight)}",
                          f"{_num(v.current_instances)}/{_num(v.desired_instances)}", v.status)
        out.print(table)
    out.print("\n[bold]training jobs[/]" + ("" if result.training_jobs else ": none recently"))
    if result.training_jobs:
        table = _table("  job", "status", "created", "ended")
        for job in result.training_jobs:
            table.add_row(f"  {escape(job.name)}", job.status, _when(job.created), _when(job.ended))
        out.print(table)
    out.print("\n[bold]model registry[/]" + ("" if result.registry else ": none"))
    for group in result.registry:
        out.print(f"  {escape(group.name)}: {len(group.versions)} version(s)")
        for version in group.versions:
            out.print(f"    v{version.version}: {version.approval} ({version.status}, {_when(version.created)})")
    out.print("\n[bold]alarms in ALARM[/]" + (": none" if not result.alarms else ""))
    for alarm in result.alarms:
        out.print(f"  [bold red]{escape(alarm.name)}[/] since {_when(alarm.since)}: {escape(alarm.reason)}")


def _num(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def register(app: typer.Typer) -> None:
    app.command("bootstrap")(bootstrap)
    app.command("preflight")(preflight)
    app.command("inventory")(inventory)
    app.command("status")(status)
