"""One error path for every command: known errors become a message and an exit code.

Every message starts with `error:`, whoever found the problem: provision itself, or click while it parsed
the command line (a missing argument, an unknown option or command, a bad value: one line
`<command line>: FIELD: what was wrong; how to fix`, exit 2), or a question that got no answer.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from provisioner.errors import EXIT_FAILED, EXIT_INVALID, InvalidInput, Problem, ProvisionError, did_you_mean

if TYPE_CHECKING:
    from typer._click.exceptions import UsageError

ARGS = "<command line>"


def report(exc: ProvisionError) -> int:
    from provisioner.cli._output import err_console

    from rich.markup import escape

    console = err_console()
    for line in exc.lines():
        # Escape: messages quote user input such as `[a@b.com]`, which is not markup.
        console.print(f"[bold red]error:[/] {escape(line)}", highlight=False, markup=True, soft_wrap=True)
    return exc.exit_code


def usage_problem(exc: "UsageError") -> Problem:
    """click's parsing error as one of our problems: what was wrong with which part of the command line.

    typer carries its own copy of click (`typer._click`): its exceptions are the ones raised here."""
    import re

    from typer._click import exceptions as click

    ctx = exc.ctx
    see = f"see `{ctx.command_path} --help`" if ctx is not None else "see `provision --help`"

    def hint(suggestion: str) -> str:
        return f"{suggestion} ({see})" if suggestion else see

    if isinstance(exc, click.NoSuchOption):
        return Problem(ARGS, exc.option_name, "no such option",
                       hint(did_you_mean(exc.option_name, exc.possibilities or [])))
    if isinstance(exc, click.MissingParameter):
        name = _param_name(exc.param)
        return Problem(ARGS, name, "missing", f"give {name} ({see})")
    if isinstance(exc, click.BadParameter):
        return Problem(ARGS, _param_name(exc.param), _sentence(exc.message), see)
    if isinstance(exc, click.BadOptionUsage):
        return Problem(ARGS, exc.option_name, _sentence(exc.message), see)
    message = exc.format_message()
    unknown = re.match(r"No such command '([^']*)'", message)
    if unknown and ctx is not None:
        commands = ctx.command.list_commands(ctx) if hasattr(ctx.command, "list_commands") else []
        return Problem(ARGS, "COMMAND", f"no such command {unknown[1]!r}",
                       hint(did_you_mean(unknown[1], commands)))
    return Problem(ARGS, "", _sentence(message), see)


def _param_name(param: Any) -> str:
    """`--blueprint` for an option (its longest name), `NAME` for an argument."""
    if param is None:
        return ""
    if getattr(param, "param_type_name", "") == "option" and getattr(param, "opts", None):
        return max(param.opts, key=len)
    return (param.name or "").upper()


def _sentence(text: str) -> str:
    """click's 'Missing argument.' -> 'missing argument': a part of our one-line message."""
    text = text.strip().rstrip(".").removeprefix("Value error, ")  # typer's values are parsed by pydantic
    return text[:1].lower() + text[1:]


def run(fn: Callable[[], Any]) -> int:
    """Run the CLI; map errors to exit codes without a traceback unless PROVISION_DEBUG=1."""
    import typer
    from typer._click import exceptions as click

    debug = os.environ.get("PROVISION_DEBUG") == "1"
    try:
        result = fn()
        return int(result or 0)
    except ProvisionError as exc:
        if debug:
            raise
        return report(exc)
    except click.NoArgsIsHelpError as exc:
        exc.show()  # a command group given nothing: its help
        return exc.exit_code
    except click.UsageError as exc:
        return report(InvalidInput([usage_problem(exc)]))
    except typer.Abort:
        # A question (typer.prompt / confirm) got no answer: end of input, or Ctrl-C at the prompt.
        return report(ProvisionError("stopped: a question got no answer (end of input or Ctrl-C); nothing was "
                                     "changed", "pass the answers as options (see --help), or run it on a terminal"))
    except click.ClickException as exc:
        return report(ProvisionError(_sentence(exc.format_message())))
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
