"""`provision init [DIR]`: scaffold an org repository (org config, workspaces/, .gitignore, README, CI workflow)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

from provisioner.cli._output import OutputFormat, console, print_json
from provisioner.errors import InvalidInput, Problem

ARGS = "<command line>"


def _ask(value: Optional[str], flag: str, question: str, default: str | None, missing: list[Problem],
         interactive: bool) -> str:
    """A flag's value; asked for on a terminal when not given, else reported as missing (all at once)."""
    if value is not None:
        return value
    if interactive:
        return str(typer.prompt(question, default=default) if default is not None else typer.prompt(question))
    if default is not None:
        return default
    missing.append(Problem(ARGS, flag, "is required when init cannot ask (no terminal)", f"pass {flag} VALUE"))
    return ""


def init(
    directory: Path = typer.Argument(Path("."), help="Folder of the new org repository (created if missing)."),
    org_name: Optional[str] = typer.Option(None, "--org-name", help="Org name: the prefix of every resource name "
                                           "(2-12 lowercase letters, digits, hyphens)."),
    env: Optional[str] = typer.Option(None, "--env", help="First environment's name. Default: dev."),
    account_id: Optional[str] = typer.Option(None, "--account-id", help="Its 12-digit AWS account id."),
    region: Optional[str] = typer.Option(None, "--region", help="Its AWS region. Default: eu-west-1."),
    state_bucket: Optional[str] = typer.Option(None, "--state-bucket",
                                               help="Its Terraform state bucket. Default: ORG-provision-state-ENV."),
    required_tags: Optional[list[str]] = typer.Option(None, "--required-tag",
                                                      help="Tag key every workspace must supply (repeatable). "
                                                      "Default: cost-center."),
    branch: str = typer.Option("main", "--branch", help="Default branch: merges to it apply (CI workflow)."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """Scaffold an org repository: commented provision.yaml, workspaces/, .gitignore, README, CI workflow.

    Values not given as flags are asked for on a terminal. Nothing is ever overwritten, and nothing is
    written when a value is invalid."""
    from provisioner.fleet import scaffold

    interactive = sys.stdin.isatty() and output == OutputFormat.text
    missing: list[Problem] = []
    name = _ask(org_name, "--org-name", "Org name (prefix of every resource name)", None, missing, interactive)
    environment = _ask(env, "--env", "First environment", "dev", missing, interactive)
    account = _ask(account_id, "--account-id", f"AWS account id of {environment or 'it'} (12 digits)", None, missing,
                   interactive)
    where = _ask(region, "--region", "AWS region", "eu-west-1", missing, interactive)
    bucket = _ask(state_bucket, "--state-bucket", "Terraform state bucket",
                  f"{name}-provision-state-{environment}" if interactive else "", missing, interactive)
    if missing:
        raise InvalidInput(missing)
    answers = scaffold.OrgAnswers(org=name, account_id=account, region=where, environment=environment,
                                  state_bucket=bucket, required_tags=list(required_tags or ["cost-center"]))
    target = directory.resolve()
    contents = scaffold.files(answers, branch=branch)
    scaffold.check(answers, target)  # bad values: exit 2, nothing written
    scaffold.refuse_existing(target, list(contents))
    written = scaffold.write(target, contents)

    # What was written loads as provision will load it: the org, its catalog, no workspace yet.
    from provisioner.catalog.loader import Catalog
    from provisioner.models.org import load_org
    from provisioner.specs.workspaces import load_all

    org = load_org(target / "provision.yaml")
    load_all(org, Catalog.for_org(org))
    shown = [os.path.relpath(p) for p in written]
    if output == OutputFormat.json:
        print_json({"org": answers.org, "directory": str(target), "files": shown})
        return
    for path in shown:
        console().print(f"wrote {path}", markup=False)
    here = os.path.relpath(target)
    console().print(f"next: cd {here} && provision doctor --fix && provision blueprints list" if here != "."
                    else "next: provision doctor --fix && provision blueprints list", markup=False)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
