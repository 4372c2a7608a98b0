"""`provision blueprints list|show`: what platform engineers offer, as data scientists see it."""

from __future__ import annotations

import typer

from provisioner.catalog.summary import blueprint_data
from provisioner.cli._context import session
from provisioner.cli._output import OutputFormat, console, print_json

blueprints_app = typer.Typer(help="Browse the blueprint catalog.", no_args_is_help=True)


@blueprints_app.command("list")
def list_blueprints(output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o")) -> None:
    """List every blueprint and its versions (newest last)."""
    catalog = session().catalog
    rows = []
    for name in catalog.names():
        versions = catalog.versions(name)
        latest = catalog.latest(name)
        rows.append({
            "name": name,
            "versions": [e.blueprint.version for e in versions],
            "latest": latest.blueprint.version if latest else None,
            "capabilities": list(versions[-1].blueprint.capabilities),
            "description": versions[-1].blueprint.description.strip(),
        })
    if output == OutputFormat.json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(title="Blueprints", title_justify="left")
    for column in ("name", "versions", "capabilities", "description"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row["name"], ", ".join(row["versions"]), ", ".join(row["capabilities"]), row["description"])
    console().print(table)


@blueprints_app.command("show")
def show_blueprint(
    ref: str = typer.Argument(..., help="NAME or NAME@VERSION (default: the latest release)."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """Show a blueprint: parameters, defaults, allowed values, and what gets created."""
    s = session()
    entry = s.catalog.resolve(ref, file="<command line>", field="NAME[@VERSION]")
    data = blueprint_data(entry.blueprint, model_monitor=s.org.config.monitoring.model_monitor)
    if output == OutputFormat.json:
        print_json(data)
        return
    from rich.table import Table

    out = console()
    out.print(f"[bold]{data['ref']}[/]  {data['description']}")
    out.print("\n[bold]Creates[/]")
    for capability, what in data["creates"].items():
        out.print(f"  {capability}: {what}")
    table = Table(title="Parameters", title_justify="left")
    for column in ("name", "type", "default", "limits", "description"):
        table.add_column(column, overflow="fold")
    for row in data["parameters"]:
        default = "(required)" if row["required"] else repr(row["default"])
        table.add_row(row["name"], row["type"], default, row["limits"], row["description"])
    out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(blueprints_app, name="blueprints")
