"""`provision request` and `provision validate`: asking for a workspace, and checking specs."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Optional

import typer

from provisioner.cli._context import session
from provisioner.cli._output import OutputFormat, console, print_json
from provisioner.errors import InvalidInput, Problem, ProblemCollector

ARGS = "<command line>"


def parse_assignments(values: list[str], option: str, *, typed: bool) -> dict[str, Any]:
    """`a.b=v` pairs; with `typed`, values are YAML scalars/lists (`2`, `true`, `[a, b]`)."""
    import yaml

    problems = ProblemCollector()
    parsed: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            problems.add(ARGS, option, f"{item!r} is not KEY=VALUE", f"write it as {option} key=value")
            continue
        if typed:
            try:
                parsed[key.strip()] = yaml.safe_load(raw) if raw.strip() else ""
            except yaml.YAMLError:
                parsed[key.strip()] = raw
        else:
            parsed[key.strip()] = raw
    problems.raise_if_any()
    return parsed


# The spec field each option of `provision request` writes: its problems name the option the user typed.
OPTION_OF_FIELD = {"name": "NAME", "blueprint": "--blueprint", "environment": "--env", "owner": "--owner",
                   "team": "--team", "project": "--project", "expires": "--expires", "tags": "--tag",
                   "parameters": "--set", "members": "--member"}


def as_options(problem: Problem) -> Problem:
    """A problem of the spec `request` built, told in its options: `parameters.training.max_instances` is
    `--set training.max_instances`, `environment` is `--env`."""
    import dataclasses

    head, dot, rest = problem.field.partition(".")
    bracket = head.find("[")
    if bracket > 0:
        head, rest, dot = head[:bracket], head[bracket:] + dot + rest, ""
    option = OPTION_OF_FIELD.get(head)
    if option is None:
        return problem
    return dataclasses.replace(problem, field=f"{option} {rest}" if rest else option)


def render_spec(spec: dict[str, Any]) -> str:
    import yaml

    header = "# Workspace spec written by `provision request`. Change it through review, like code.\n"
    return header + yaml.safe_dump(spec, sort_keys=False, default_flow_style=False)


def request(
    name: str = typer.Argument(..., help="Workspace name: lowercase letters, digits, hyphens."),
    blueprint: str = typer.Option(..., "--blueprint", "-b", help="NAME or NAME@VERSION (default: latest release)."),
    env: str = typer.Option(..., "--env", "-e", help="Environment from provision.yaml."),
    owner: str = typer.Option(..., "--owner", help="Owner's email address."),
    team: str = typer.Option(..., "--team", help="Owning team."),
    set_: list[str] = typer.Option([], "--set", help="Parameter value, a.b=v (repeatable)."),
    tag: list[str] = typer.Option([], "--tag", help="Tag, k=v (repeatable)."),
    member: list[str] = typer.Option([], "--member", help="Data scientist's email, for notebooks (repeatable)."),
    expires: Optional[str] = typer.Option(None, "--expires", help="Expiry date, YYYY-MM-DD."),
    project: Optional[str] = typer.Option(None, "--project", help="Project across environments (default: the "
                                          "workspace name); models are promoted between a project's workspaces."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """Request a workspace: validate everything, then write workspaces/NAME.yaml."""
    from provisioner.specs.parameters import nest
    from provisioner.specs.workspaces import already_exists, check_spec, spec_path, write_new_spec

    s = session()
    path = spec_path(s.org, name)
    shown = os.path.relpath(path, s.root)
    if path.exists():
        raise already_exists(shown, name)
    problems = ProblemCollector()
    pinned = blueprint
    try:
        pinned = s.catalog.resolve(blueprint, file=ARGS, field="--blueprint").blueprint.ref
    except InvalidInput:
        pass  # the spec check below says what is wrong with it, once
    spec: dict[str, Any] = {
        "name": name,
        "blueprint": pinned,
        "environment": env,
        **({"project": project} if project else {}),
        "owner": owner,
        "team": team,
    }
    try:
        spec["tags"] = parse_assignments(tag, "--tag", typed=False)
        parameters = nest(parse_assignments(set_, "--set", typed=True))
    except InvalidInput as exc:
        problems.extend(exc.problems)
        parameters = {}
    if expires:
        try:
            spec["expires"] = dt.date.fromisoformat(expires)
        except ValueError:
            problems.add(ARGS, "--expires", f"{expires!r} is not a date", "use YYYY-MM-DD")
    if parameters:
        spec["parameters"] = parameters
    if member:
        spec["members"] = list(member)
    ctx = None
    try:
        ctx = check_spec(spec, s.org, s.catalog, ARGS)
    except InvalidInput as exc:
        problems.extend(as_options(p) for p in exc.problems)
    problems.raise_if_any()
    assert ctx is not None
    write_new_spec(path, render_spec(spec), shown)
    if output == OutputFormat.json:
        print_json({"workspace": name, "path": str(path), "blueprint": ctx.blueprint.ref})
        return
    console().print(f"wrote {shown} ({ctx.blueprint.ref}, {ctx.environment})")
    console().print(f"next: provision synth {name}")


def validate(
    paths: list[Path] = typer.Argument(None, help="Spec files (default: every workspace of the org)."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """Validate workspace specs against the org config and their blueprints; exit 0 when valid."""
    from provisioner.specs.workspaces import load_all

    s = session()
    contexts = load_all(s.org, s.catalog, [p.resolve() for p in paths] if paths else None)
    if output == OutputFormat.json:
        print_json([{"workspace": c.name, "blueprint": c.blueprint.ref, "environment": c.environment, "valid": True}
                    for c in contexts])
        return
    for ctx in contexts:
        console().print(f"[green]ok[/] {ctx.name} ({ctx.blueprint.ref}, {ctx.environment})")
    console().print(f"{len(contexts)} workspace(s) valid")


def register(app: typer.Typer) -> None:
    app.command("request")(request)
    app.command("validate")(validate)
