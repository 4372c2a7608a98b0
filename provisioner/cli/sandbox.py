"""`provision sandbox start|status|stop`: the local cloud that `cloud: local` environments run on.

    provision sandbox start [--port N]   a moto server (plus provision's extensions) on 127.0.0.1, in the background
    provision sandbox status             running or not, where, since when
    provision sandbox stop               ends exactly that server

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


def register(app: typer.Typer) -> None:
    app.add_typer(sandbox_app, name="sandbox")
