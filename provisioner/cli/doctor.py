"""`provision doctor [NAME]`: is this machine ready to synth, plan and apply? One line per check, with the fix.

The checks themselves (engine, runtimes, AWS credentials and account, state
backend) are in provisioner/engine/doctor.py; this command picks the
environments (or, outside an org repository, checks this machine only),
prints the checks and sets the exit code (1 on a fail). `--fix` first
installs missing runtimes (Node 22, checkov) into the user cache.
"""

from __future__ import annotations

from typing import Optional

import typer

from provisioner.cli._checks import print_checks
from provisioner.cli._context import session, session_if_any
from provisioner.cli._output import OutputFormat, err_console, print_json, progress
from provisioner.cli.lifecycle import ENGINE_HELP
from provisioner.errors import EXIT_FAILED, InvalidInput

ARGS = "<command line>"


def doctor(
    name: Optional[str] = typer.Argument(None, help="Check for this workspace's environment (default: all)."),
    env: Optional[str] = typer.Option(None, "--env", "-e", help="Check this environment only."),
    engine: Optional[str] = typer.Option(None, "--engine", envvar="PROVISION_ENGINE", help=ENGINE_HELP,
                                         show_default=False),
    fix: bool = typer.Option(False, "--fix", help="First install missing runtimes (Node 22 from the npm registry, "
                             "checkov from PyPI) into the user cache, ~/.cache/provision."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """Check what synth/plan/apply need: engine, runtimes, AWS credentials and account, state backend (exit 1 on a fail).

    Outside an org repository it checks this machine only (engine and runtimes)."""
    from provisioner.engine.doctor import machine_checks, run_checks
    from provisioner.runtime.readiness import Check
    from provisioner.specs.workspaces import load_named

    if fix:
        _install_missing_runtimes()
    s = session_if_any() if not (name or env) else session()
    if s is None:
        from provisioner.runtime import user_cache

        checks = machine_checks(engine or "auto", user_cache.root() / "engine")
        checks.append(Check("org", "org", "skip", "no provision.yaml here or in a parent folder: checked this "
                            "machine only", "run it inside your org repository (or `provision init DIR`)"))
        _print_checks(checks, output)
        return
    environments = list(s.org.config.environments)
    if name:
        environments = [load_named(s.org, s.catalog, name).environment]
    elif env:
        if env not in s.org.config.environments:
            raise InvalidInput([s.org.unknown_environment(env, ARGS, "--env")])
        environments = [env]
    checks = run_checks(s.org, environments, engine_choice=engine or s.org.config.engine,
                        state_root=s.state_root, strict_account=bool(name or env))
    _print_checks(checks, output)


def _print_checks(checks: list, output: OutputFormat) -> None:
    if output == OutputFormat.json:
        print_json([c.to_dict() for c in checks])
    else:
        print_checks(checks)
    if any(c.status == "fail" for c in checks):
        raise typer.Exit(EXIT_FAILED)


def _install_missing_runtimes() -> None:
    """`doctor --fix`: install each missing runtime into the user cache, showing the installer's progress."""
    from provisioner.runtime.runtimes import checkov_runtime, install_checkov, install_node, node_runtime

    for found, install in ((node_runtime, install_node), (checkov_runtime, install_checkov)):
        runtime = found()
        if runtime.found:
            continue
        with progress(f"installing {runtime.title}") as step:
            installed = install(step)
        err_console().print(f"installed {installed.title}: {installed.detail}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
