"""Fleet commands: `provision expired` (and the selection options other commands share)."""

from __future__ import annotations

import datetime as dt
from typing import Optional

import typer

from provisioner.cli._context import session
from provisioner.cli._output import OutputFormat, console, print_json
from provisioner.errors import InvalidInput


def parse_today(value: Optional[str]) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput.single("<command line>", "--today", f"{value!r} is not a date", "use YYYY-MM-DD") from None


def expired(
    within: int = typer.Option(0, "--within", min=0, help="Also list workspaces expiring within N days."),
    today: Optional[str] = typer.Option(None, "--today", help="Pretend today is this date (YYYY-MM-DD)."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--output", "-o"),
) -> None:
    """List workspaces past their `expires` date (and, with --within N, those expiring soon)."""
    from provisioner.fleet import expiring
    from provisioner.workspaces import load_all

    s = session()
    found = expiring(load_all(s.org, s.catalog), parse_today(today), within)
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


def register(app: typer.Typer) -> None:
    app.command("expired")(expired)
