"""`provision blueprints list|show`: what platform engineers offer, as data scientists see it."""

from __future__ import annotations

from typing import Any

import typer

from provisioner.cli._context import session
from provisioner.cli._output import OutputFormat, console, print_json
from provisioner.models.blueprint import Blueprint, ParameterSpec

# What each capability creates, for `blueprints show` and the docs.
CAPABILITY_RESOURCES = {
    "foundation": "KMS customer key (rotation), data/artifacts/access-log S3 buckets (SSE-KMS, versioning, "
    "public access blocked, TLS only), ECR repository, SageMaker execution role, log group, alert topic, "
    "budget, resource group",
    "training": "workspace access policy enforcing GPU guardrails on CreateTrainingJob, failed-job alert rule",
    "registry": "SageMaker model package group, approval-change alert rule",
    "serving": "SageMaker model, endpoint configuration (A/B variants, shadow, data capture), endpoint, autoscaling",
    "monitoring": "CloudWatch dashboard, alarms, data quality monitoring schedule",
    "experiments": "SageMaker managed MLflow tracking server",
    "notebooks": "SageMaker Studio user profile per member, shared team space with idle shutdown, "
    "Studio IAM policy (notebook instance type allowlist), optional custom JupyterLab image",
}

blueprints_app = typer.Typer(help="Browse the blueprint catalog.", no_args_is_help=True)


def parameter_row(name: str, spec: ParameterSpec) -> dict[str, Any]:
    limits = []
    if spec.allowed is not None:
        limits.append("one of " + ", ".join(map(str, spec.allowed)))
    if spec.minimum is not None:
        limits.append(f">= {spec.minimum:g}")
    if spec.maximum is not None:
        limits.append(f"<= {spec.maximum:g}")
    if spec.min_items is not None or spec.max_items is not None:
        limits.append(f"{spec.min_items or 0}-{spec.max_items if spec.max_items is not None else 'n'} items")
    guardrail = spec.guardrail or (spec.items.guardrail if spec.items else None)
    if guardrail:
        limits.append(f"org guardrail {guardrail}")
    return {
        "name": name,
        "type": spec.describe_type(),
        "required": spec.required,
        "default": None if spec.required else spec.default,
        "limits": "; ".join(limits),
        "description": spec.description,
    }


def blueprint_data(blueprint: Blueprint) -> dict[str, Any]:
    return {
        "name": blueprint.name,
        "version": blueprint.version,
        "ref": blueprint.ref,
        "description": blueprint.description.strip(),
        "capabilities": list(blueprint.capabilities),
        "creates": {c: CAPABILITY_RESOURCES.get(c, "") for c in blueprint.capabilities},
        "parameters": [parameter_row(n, s) for n, s in blueprint.parameters.items()],
    }


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
    entry = session().catalog.resolve(ref, file="<command line>", field="NAME[@VERSION]")
    data = blueprint_data(entry.blueprint)
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
