"""`provision adopt | retire`: day two with the POCs already running (docs/day-two.md).

`provision inventory` finds what nobody claims, who made it and what it costs. These commands act on it:
`adopt` brings a resource a blueprint would create under a workspace (Terraform imports it), `retire`
plans the deletion of unused ones after a notice period and applies only that plan. boto3 is imported
inside the commands only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import typer
from rich.markup import escape

from provisioner.cli._context import session
from provisioner.cli._output import OutputFormat, console, print_json

if TYPE_CHECKING:
    from provisioner.cloud.retirement import RetirePlan

retire_app = typer.Typer(help="Delete unused POCs after a notice period: a plan people review (it tags them and "
                              "tells their owners), then an apply that deletes only what is still unused.",
                         no_args_is_help=True)


def adopt(
    workspace: str = typer.Argument(..., help="Workspace that takes the resource over (its spec must exist)."),
    component: str = typer.Argument(..., help="What the resource becomes: data-bucket, artifacts-bucket, "
                                              "image-repository or registry."),
    name: str = typer.Argument(..., help="The existing resource's name (bucket, repository, model package group)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check everything, write nothing."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """Bring an existing resource under a workspace: the mapping goes into the spec, the next plan imports it
    (changing only tags, policies and settings; a plan that would replace it is refused)."""
    from provisioner.cli.cloud import new_aws
    from provisioner.cloud.adoption import adopt as run_adopt
    from provisioner.specs.workspaces import load_named

    s = session()
    ctx = load_named(s.org, s.catalog, workspace)
    result = run_adopt(s.org, s.catalog, workspace, component, name, aws=new_aws(ctx), write=not dry_run)
    if output == OutputFormat.json:
        print_json(result.to_dict())
        return
    existing = result.existing
    out = console()
    verb = "would adopt" if dry_run else ("adopted" if result.written else "already adopted")
    out.print(f"[green]{verb}[/] {escape(existing.arn)} as {escape(workspace)}'s {component}"
              + (f" ({escape(existing.detail)})" if existing.detail else ""))
    if result.written:
        out.print(f"  wrote adopted.{component}: {escape(name)} to workspaces/{escape(workspace)}.yaml")
    out.print(f"  next: `provision plan {escape(workspace)}`: Terraform imports it into "
              f"{result.to_dict()['address']} and changes only tags, policies and settings (a replacement is refused)")


@retire_app.command("plan")
def retire_plan(
    names: list[str] = typer.Argument(..., help="Orphans or untagged ML resources to retire (names or ARNs, as "
                                                "`provision inventory` lists them)."),
    env: str = typer.Option(..., "--env", "-e", help="Environment they are in."),
    notice_days: int = typer.Option(14, "--notice-days", min=1, help="Days between the notice and the earliest "
                                                                      "deletion."),
    include_data: bool = typer.Option(False, "--include-data", help="Also delete data-holding resources (buckets, "
                                                                    "registries, image repositories) among them: "
                                                                    "their data is lost. Without it they are listed "
                                                                    "apart and kept."),
    since_days: int = typer.Option(30, "--since-days", min=1, help="Endpoint invocations read this many days back."),
    today: Optional[str] = typer.Option(None, "--today", help="Pretend today is this date (YYYY-MM-DD)."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """Plan the retirement of chosen unused resources: tag them with the notice's end and who was told, notify
    through the environment's alert topic, and save the plan for review. Deletes nothing."""
    from provisioner.audit.cost import PriceTable
    from provisioner.cli.cloud import _inventory_aws
    from provisioner.cli.fleet import parse_today
    from provisioner.cloud.retirement import PLANS_DIR, give_notice, make_plan, save

    s = session()
    aws = _inventory_aws(s, [env])
    plan = make_plan(s.org, env, names, aws=aws, prices=PriceTable.load(s.provision_dir / "prices.json"),
                     today=parse_today(today), notice_days=notice_days, include_data=include_data,
                     since_days=since_days)
    give_notice(plan, aws)
    path = save(plan, s.provision_dir / PLANS_DIR)
    if output == OutputFormat.json:
        print_json({**plan.to_dict(), "file": str(path)})
        return
    _print_plan(plan, f"retire plan {plan.id}")
    console().print(f"tagged {len(plan.items)} resource(s) provision:retire-after={plan.notice_until}; notice sent "
                    f"to {escape(plan.topic)}")
    console().print(f"saved: {escape(str(path))}  ->  review it, then after {plan.notice_until}: "
                    f"`provision retire apply {plan.id}`")


@retire_app.command("apply")
def retire_apply(
    plan_id: str = typer.Argument(..., help="The plan's id (`provision retire plan` prints it)."),
    since_days: int = typer.Option(30, "--since-days", min=1, help="Endpoint invocations read this many days back."),
    today: Optional[str] = typer.Option(None, "--today", help="Pretend today is this date (YYYY-MM-DD)."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """Apply a retire plan after its notice period: delete what it lists and is still unused (exit 3 before the
    notice ends; exit 1 when a deletion failed)."""
    from provisioner.audit.cost import PriceTable
    from provisioner.cli.cloud import _inventory_aws
    from provisioner.cli.fleet import parse_today
    from provisioner.cloud.retirement import PLANS_DIR, apply_plan, load, save
    from provisioner.errors import OperationFailed

    s = session()
    folder = s.provision_dir / PLANS_DIR
    plan = load(folder, plan_id)
    aws = _inventory_aws(s, [plan.environment])
    say = (lambda text: None) if output == OutputFormat.json else (lambda text: console().print(escape(text)))
    plan = apply_plan(plan, s.org, aws, prices=PriceTable.load(s.provision_dir / "prices.json"),
                      today=parse_today(today), since_days=since_days, say=say)
    save(plan, folder)
    if output == OutputFormat.json:
        print_json(plan.to_dict())
    else:
        _print_plan(plan, f"applied retire plan {plan.id}")
    failed = [item.name for item in plan.items if item.outcome.startswith("failed")]
    if failed:
        raise OperationFailed(f"retire plan {plan.id}: {len(failed)} deletion(s) failed: {', '.join(failed)}",
                              "see each outcome above; fix and delete by hand, or make a new plan")


def _print_plan(plan: "RetirePlan", title: str) -> None:
    out = console()
    out.print(f"[bold]{escape(title)}[/] ({plan.environment}, account {plan.account_id}): notice until "
              f"{plan.notice_until}; ${plan.monthly_usd:,.2f} a month")
    for item in plan.items:
        cost = "unknown" if item.monthly_usd is None else f"${item.monthly_usd:,.2f}"
        outcome = f"  -> {item.outcome}" if item.outcome else ""
        out.print(f"  {cost:>10}  {item.type} {escape(item.name)} (created by {escape(item.creator or 'unknown')}, "
                  f"last used {item.last_used[:10] if item.last_used else 'never seen'}){escape(outcome)}")
    if plan.kept_data:
        out.print("  holding data, kept (plan with --include-data to delete them):")
        for item in plan.kept_data:
            out.print(f"    {item.type} {escape(item.name)} (created by {escape(item.creator or 'unknown')})")


def register(app: typer.Typer) -> None:
    app.command("adopt")(adopt)
    app.add_typer(retire_app, name="retire")
