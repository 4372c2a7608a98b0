"""Fleet commands: `provision expired` (and the selection options other commands share)."""

from __future__ import annotations

import datetime as dt
from typing import Optional

import typer

from provisioner.cli._context import session
from provisioner.cli._output import OutputFormat, console, print_json
from provisioner.errors import InvalidInput


def parse_today(value: Optional[str]) -> dt.date:
    """A command's own `--today`, else the product clock (global --today, PROVISION_TODAY, the machine)."""
    from provisioner.runtime import clock

    if value is None:
        return clock.today()
    return clock.parse_day(value, "<command line>", "--today")


def expired(
    within: int = typer.Option(0, "--within", min=0, help="Also list workspaces expiring within N days."),
    today: Optional[str] = typer.Option(None, "--today", help="Pretend today is this date (YYYY-MM-DD)."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """List workspaces past their `expires` date (and, with --within N, those expiring soon)."""
    from provisioner.fleet.selection import expiring

    s = session()
    found = expiring(s.workspaces(), parse_today(today), within)
    if output == OutputFormat.json:
        print_json([{"workspace": e.name, "expires": e.expires.isoformat(), "days_left": e.days_left,
                     "expired": e.expired} for e in found])
        return
    if not found:
        console().print("no expired workspaces" + (f" and none expiring within {within} days" if within else ""))
        return
    for e in found:
        when = f"expired {-e.days_left} day(s) ago" if e.expired else f"expires in {e.days_left} day(s)"
        style = "red" if e.expired else "yellow"
        console().print(f"[{style}]{e.name}[/]  {e.expires.isoformat()}  {when}")
    if any(e.expired for e in found):
        console().print("next: provision destroy --expired")


def changed(
    since: str = typer.Option(..., "--since", help="Git ref to compare with, for example origin/main."),
    env: Optional[str] = typer.Option(None, "--env", "-e", help="Only workspaces of this environment."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """List workspaces whose spec, blueprint version, org config or infra/ changed since a git ref."""
    s = session()
    if env is not None and env not in s.org.config.environments:
        raise InvalidInput([s.org.unknown_environment(env, "<command line>", "--env")])
    names = [c.name for c in s.workspaces(since) if env is None or c.environment == env]
    if output == OutputFormat.json:
        import json

        print(json.dumps(names))  # one line: CI matrices read it from $GITHUB_OUTPUT
        return
    for name in names:
        console().print(name)


ci_app = typer.Typer(help="Generate CI workflows that fan provision out over changed workspaces.", no_args_is_help=True)


@ci_app.command("github")
def ci_github(
    out: Optional[str] = typer.Option(None, "--out", help="Where to write (default: .github/workflows/provision.yml in the org folder)."),
    install: Optional[str] = typer.Option(None, "--install", help="Shell command that installs provision in CI "
                                          "(default: pip install of this exact version of provision)."),
    branch: str = typer.Option("main", "--branch", help="Default branch that applies on merge."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing workflow file."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """Write a GitHub Actions workflow: PR -> validate, audit comment, plan matrix; merge -> apply reviewed plans."""
    import os
    from pathlib import Path

    from provisioner.fleet.ci import WORKFLOW_FILE, render_github_workflow

    s = session()
    target = Path(out) if out else s.root / WORKFLOW_FILE
    if target.exists() and not force:
        raise InvalidInput.single(os.path.relpath(target), "", "workflow file already exists", "pass --force to overwrite it")
    text = render_github_workflow(install=install, default_branch=branch,
                                  environments={n: e.region for n, e in s.org.config.environments.items()})
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, target)
    if output == OutputFormat.json:
        print_json({"wrote": str(target), "branch": branch, "environments": list(s.org.config.environments)})
        return
    console().print(f"wrote {os.path.relpath(target)}")


def register(app: typer.Typer) -> None:
    app.command("expired")(expired)
    app.command("changed")(changed)
    app.add_typer(ci_app, name="ci")
