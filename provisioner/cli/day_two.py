"""`provision adopt | retire`: day two with the POCs already running (docs/day-two.md).

`provision inventory` finds what nobody claims, who made it and what it costs. These commands act on it:
`adopt` brings a resource a blueprint would create under a workspace (Terraform imports it), `retire`
plans the deletion of unused ones after a notice period and applies only that plan. boto3 is imported
inside the commands only.
"""

from __future__ import annotations

import typer
from rich.markup import escape

from provisioner.cli._context import session
from provisioner.cli._output import OutputFormat, console, print_json


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


def register(app: typer.Typer) -> None:
    app.command("adopt")(adopt)
