"""Fleet commands: `provision expired` (and the selection options other commands share)."""

from __future__ import annotations

import datetime as dt
from typing import Optional

import typer

from provisioner.cli._context import session
from provisioner.cli._output import OutputFormat, console, print_json
from provisioner.errors import InvalidInput, OperationFailed


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
                                          "(default: pip install of this exact version of provisioner-ml from vars.PROVISION_INDEX_URL, the org's index)."),
    branch: str = typer.Option("main", "--branch", help="Default branch that applies on merge."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing workflow file."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """Write a GitHub Actions workflow: PR -> validate, audit comment, plan matrix; merge -> apply reviewed plans."""
    import os
    from pathlib import Path

    from provisioner.fleet.ci import WORKFLOW_FILE, ci_environments, render_github_workflow

    s = session()
    target = Path(out) if out else s.root / WORKFLOW_FILE
    if target.exists() and not force:
        raise InvalidInput.single(os.path.relpath(target), "", "workflow file already exists", "pass --force to overwrite it")
    text = render_github_workflow(install=install, default_branch=branch,
                                  environments=ci_environments(s.org.config))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, target)
    if output == OutputFormat.json:
        print_json({"wrote": str(target), "branch": branch, "environments": list(ci_environments(s.org.config))})
        return
    console().print(f"wrote {os.path.relpath(target)}")


@ci_app.command("pins")
def ci_pins(
    verify: bool = typer.Option(False, "--verify", help="Ask each action's repository (`git ls-remote`) which "
                                "commit its tag names now; exit 1 if any differs from the pin."),
    source: str = typer.Option("https://github.com/{repository}", "--source", hidden=True,
                               help="Where the repositories are (a mirror: a path with {repository} or {owner} and {name})."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """The actions the workflow uses, each pinned to a commit: its tag, where the commit came from, the check."""
    import shlex
    import subprocess

    from provisioner.fleet.ci import ACTIONS

    rows = []
    for action in ACTIONS.values():
        command = action.check_command(source)
        row = {"action": action.repository, "tag": action.tag, "commit": action.commit, "source": action.source,
               "check": shlex.join(command)}
        if verify:
            reply = subprocess.run(command, capture_output=True, text=True, timeout=60)
            lines = [line.split()[0] for line in reply.stdout.splitlines() if line.strip()]
            now = lines[-1] if reply.returncode == 0 and lines else None  # `^{}` (the commit) sorts last
            row["now"] = now or f"tag not found ({reply.stderr.strip().splitlines()[-1] if reply.stderr.strip() else 'no such ref'})"
            row["matches"] = now == action.commit
        rows.append(row)
    if output == OutputFormat.json:
        print_json(rows)
    else:
        for row in rows:
            console().print(f"{row['action']}@{row['commit']}  # {row['tag']}")
            console().print(f"  from: {row['source']}")
            console().print(f"  check: {row['check']}")
            if verify:
                console().print(f"  now: {row['now']} ({'matches' if row['matches'] else '[red]DIFFERS[/]'})")
    differ = [row["action"] for row in rows if verify and not row["matches"]]
    if differ:
        raise OperationFailed(f"{len(differ)} pinned action(s) differ from what their tag names now: "
                              f"{', '.join(differ)}", "read the action's changes, then update ACTIONS in "
                              "provisioner/fleet/ci.py and regenerate the workflow")


def register(app: typer.Typer) -> None:
    app.command("expired")(expired)
    app.command("changed")(changed)
    app.add_typer(ci_app, name="ci")
