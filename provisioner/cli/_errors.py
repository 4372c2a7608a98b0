"""One error path for every command: known errors become a message and an exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from provisioner.errors import EXIT_FAILED, EXIT_INVALID, ProvisionError


def report(exc: ProvisionError) -> int:
    from provisioner.cli._output import err_console

    from rich.markup import escape

    console = err_console()
    for line in exc.lines():
        # Escape: messages quote user input such as `[a@b.com]`, which is not markup.
        console.print(f"[bold red]error:[/] {escape(line)}", highlight=False, markup=True, soft_wrap=True)
    return exc.exit_code


def run(fn: Callable[[], Any]) -> int:
    """Run the CLI; map errors to exit codes without a traceback unless PROVISION_DEBUG=1."""
    debug = os.environ.get("PROVISION_DEBUG") == "1"
    try:
        result = fn()
        return int(result or 0)
    except ProvisionError as exc:
        if debug:
            raise
        return report(exc)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_INVALID)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if debug:
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        print("  hint: rerun with PROVISION_DEBUG=1 for a traceback, and report it", file=sys.stderr)
        return EXIT_FAILED
