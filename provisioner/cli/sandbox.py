"""`provision sandbox start|status|stop`: the local cloud that `cloud: local` environments run on.

    provision sandbox start [--port N]   a moto server (plus provision's extensions) on 127.0.0.1, in the background
    provision sandbox status             running or not, where, since when
    provision sandbox stop               ends exactly that server
    provision sandbox coverage           what it emulates: every AWS call each blueprint and provision make, and
                                         who answers it (moto, provision's extension, or nobody)

Its pid, port and log are under the org's `.provision/sandbox/`. What it holds
is in memory and lost when it stops; Terraform state of local-cloud
workspaces stays in `.provision/state/` (see provisioner.localcloud.sandbox).
"""

from __future__ import annotations

from typing import Optional

import typer
from rich.markup import escape

from provisioner.cli._context import session
from provisioner.cli._output import OutputFormat, console, err_console, print_json
from provisioner.errors import shown

sandbox_app = typer.Typer(help="The local cloud: AWS on this machine for `cloud: local` environments (no account).",
                          no_args_is_help=True)


@sandbox_app.command("start")
def start(
    port: Optional[int] = typer.Option(None, "--port", min=1, max=65535, help="Port on 127.0.0.1 (default: a free one)."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """Start the local cloud in the background (or say where the running one is)."""
    from provisioner.localcloud.sandbox import MEMORY_NOTE, Sandbox

    s = session()
    sandbox = Sandbox(s.root)
    server, started, note = sandbox.start(port)
    if output == OutputFormat.json:
        print_json({**server.to_dict(), "started_now": started, "note": note, "log": str(sandbox.log_file)})
        return
    if note:
        err_console().print(f"note: {escape(note)}")
    out = console()
    if started:
        out.print(f"[green]local cloud running[/] at {server.endpoint} (pid {server.pid}); log: "
                  f"{escape(shown(sandbox.log_file))}")
    else:
        out.print(f"the local cloud is already running at {server.endpoint} (pid {server.pid}, since "
                  f"{server.started_at.strftime('%Y-%m-%d %H:%M:%S UTC')}); not starting a second one")
    envs = [name for name, env in s.org.config.environments.items() if env.is_local]
    if envs:
        out.print(f"environments on it: {', '.join(envs)} (account 123456789012, test credentials)")
    out.print(f"{MEMORY_NOTE}; stop it with: provision sandbox stop")


@sandbox_app.command("status")
def status(output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o")) -> None:
    """Whether the local cloud runs, where, and since when (exit 1 when it does not)."""
    from provisioner.errors import OperationFailed
    from provisioner.localcloud.sandbox import MEMORY_NOTE, START, Sandbox

    s = session()
    found = Sandbox(s.root).status()
    if output == OutputFormat.json:
        print_json(found.to_dict())
    elif found.running:
        assert found.server is not None
        console().print(f"[green]running[/] at {found.server.endpoint} (pid {found.server.pid}) since "
                        f"{found.server.started_at.strftime('%Y-%m-%d %H:%M:%S UTC')}; log: "
                        f"{escape(shown(found.log))}")
        console().print(f"{MEMORY_NOTE}")
    if found.running:
        return
    if found.state == "stale":
        assert found.server is not None
        raise OperationFailed(f"the local cloud is not running: its server (pid {found.server.pid}, port "
                              f"{found.server.port}) stopped or crashed, and what it held is gone "
                              f"(log: {shown(found.log)})", f"start a new one: {START}")
    raise OperationFailed("the local cloud is not running", f"start it: {START}")


@sandbox_app.command("stop")
def stop(output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o")) -> None:
    """Stop the local cloud (everything it held is lost; local Terraform state files stay)."""
    from provisioner.localcloud.sandbox import Sandbox

    s = session()
    what, server = Sandbox(s.root).stop()
    if output == OutputFormat.json:
        print_json({"result": what, "server": server.to_dict() if server else None})
        return
    if what == "stopped":
        assert server is not None
        console().print(f"stopped the local cloud (pid {server.pid}, {server.endpoint}); what it held is gone")
    elif what == "stale":
        assert server is not None
        console().print(f"the local cloud had already stopped (pid {server.pid} is gone); cleared its record")
    else:
        console().print("the local cloud is not running; nothing to stop")


@sandbox_app.command("coverage")
def coverage(
    blueprint: Optional[str] = typer.Option(None, "--blueprint", "-b", help="Only this blueprint's calls."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """What the local cloud emulates: each AWS call the blueprints and provision make, and who answers it.

    Recorded evidence, not a running server: the calls the e2e tier saw each shipped blueprint make (plan,
    apply, second plan, destroy) and provision's own, each answered by moto, by provision's extension of
    it, or not emulated (what you then see). docs/local-cloud-extensions.md has the same table.
    """
    from provisioner.errors import InvalidInput
    from provisioner.localcloud.coverage import STEPS, Coverage

    found = Coverage.shipped()
    if blueprint is not None and blueprint not in found.blueprints:
        raise InvalidInput.single("<command line>", "--blueprint", f"no recorded coverage for blueprint {blueprint!r}",
                                  f"pick one of: {', '.join(found.blueprints)}")
    if output == OutputFormat.json:
        print_json(found.to_dict(blueprint))
        return
    from rich.table import Table

    made = found.data["recorded_with"]
    out = console()
    chosen = [blueprint] if blueprint else found.blueprints
    table = Table(title="AWS provider calls (steps: P plan, A apply, R second plan, D destroy)", title_justify="left")
    for column in ("operation", "answered by", *chosen):
        table.add_column(column)
    for row in found.provider_rows(blueprint):
        steps = [" ".join(letter for step, letter in STEPS if step in row["steps"].get(b, [])) for b in chosen]
        table.add_row(row["operation"], escape(row["answered_by"]), *steps)
    out.print(table)
    if blueprint is None:
        own = Table(title="provision's own calls", title_justify="left")
        for column in ("operation", "answered by", "recorded in", "named in"):
            own.add_column(column)
        for row in found.provision_rows():
            own.add_row(row["operation"], escape(row["answered_by"]), ", ".join(row["commands"]) or "-",
                        ", ".join(s.removeprefix("provisioner/") for s in row["source"]) or "-")
        out.print(own)
    counts = found.counts(blueprint)
    out.print(f"{sum(counts.values())} operations: " + ", ".join(f"{n} {by}" for by, n in sorted(counts.items()))
              + f" (recorded with the AWS provider {made['aws_provider']}, moto {made['moto']})")
    out.print("what is not emulated fails on the local cloud only; docs/local-cloud-extensions.md says what then happens")


def register(app: typer.Typer) -> None:
    app.add_typer(sandbox_app, name="sandbox")
