"""The `provision` command: typer app, global options, and the single error path."""

from __future__ import annotations

import importlib
from typing import Optional

import typer

from provisioner.cli._context import set_org_option

app = typer.Typer(
    name="provision",
    help="Standardized, governed ML workspaces from versioned blueprints, built with Terraform.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Command modules register themselves on `app`. Each imports its heavy
# dependencies (cdktn, boto3, sagemaker) inside its functions only, so that
# `provision --help` and the light commands start fast.
COMMAND_MODULES = [
    "provisioner.cli.init",
    "provisioner.cli.blueprints",
    "provisioner.cli.workspaces",
    "provisioner.cli.synth",
    "provisioner.cli.fleet",
    "provisioner.cli.cloud",
    "provisioner.cli.lifecycle",
    "provisioner.cli.doctor",
    "provisioner.cli.notebooks",
    "provisioner.cli.audit",
    "provisioner.cli.ds",
    "provisioner.cli.monitoring",
    "provisioner.cli.sandbox",
    "provisioner.cli.day_two",
]


def _version(value: bool) -> None:
    if value:
        from provisioner.runtime.versions import versions_text

        typer.echo(versions_text())
        raise typer.Exit()


@app.callback()
def _global(
    org: Optional[str] = typer.Option(
        None, "--org", envvar="PROVISION_ORG", help="Path to provision.yaml (or its folder). Default: search upwards."
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the versions of provision, cdktn, the AWS provider and the Terraform engine."),
    today: Optional[str] = typer.Option(
        None, "--today", envvar="PROVISION_TODAY", metavar="YYYY-MM-DD",
        help="Decide every date question (expiry, days left) as if today were this day. Default: the machine's date."),
) -> None:
    from provisioner.runtime import clock

    set_org_option(org)
    clock.set_today(clock.parse_day(today, "<command line>", "--today / PROVISION_TODAY") if today else None)


def _register() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)


_register()


def cli(argv: list[str] | None = None) -> int:
    """Run `provision` with `argv`; returns the exit code (tests call this directly)."""
    from provisioner.cli._errors import run

    # Not standalone: click's usage errors and unanswered questions come back to our one error path
    # (`error: ...`, exit 2 for the command line) instead of click's own `Error:` and `Aborted!`.
    from provisioner.runtime import clock

    try:
        return run(lambda: app(args=argv, prog_name="provision", standalone_mode=False))
    finally:
        clock.set_today(None)  # a pinned day belongs to one command (tests run many in one process)


def main() -> None:
    raise SystemExit(cli())


if __name__ == "__main__":
    main()
