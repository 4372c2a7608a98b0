"""Printing readiness checks (provisioner.runtime.readiness.Check): `provision doctor` and `provision preflight`.

One line per check, the titles aligned, and the fix under every check that did not pass:

      PASS engine       Terraform 1.15.5, embedded (...)
      FAIL account      credentials are for account 1234..., environment 'dev' is account 1111...
                        fix: use credentials for account 1111... (for example AWS_PROFILE=<its profile>)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape

from provisioner.cli._output import console

if TYPE_CHECKING:
    from provisioner.runtime.readiness import Check

STATUS_STYLE = {"pass": "green", "fail": "bold red", "warn": "yellow", "info": "cyan", "skip": "dim"}


def print_checks(checks: list["Check"], *, heading: str | None = None) -> None:
    """`heading` (rich markup) goes first when given."""
    out = console()
    if heading:
        out.print(heading)
    width = max((len(check.title) for check in checks), default=0)
    for check in checks:
        out.print(f"  [{STATUS_STYLE[check.status]}]{check.status.upper():<4}[/] {escape(check.title):<{width}}  "
                  f"{escape(check.detail)}")
        if check.fix and check.status != "pass":
            out.print(f"  {'':<4} {'':<{width}}  [bold]fix:[/] {escape(check.fix)}")
