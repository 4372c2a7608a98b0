"""Consoles, progress and the JSON output mode, shared by every command.

Colour follows rich's rules: none when output is not a terminal, none when `NO_COLOR` is set
(https://no-color.org), forced by `FORCE_COLOR`. Width: the terminal's (or `COLUMNS`); without a terminal,
lines are as long as their content, so that tables keep names whole in logs and pipes.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from functools import lru_cache
from typing import Any

from rich.console import Console


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


# Without a terminal (a pipe, a file, a CI log) nothing decides a width: rich would assume 80 columns and
# fold table cells mid-name (`training.inst|ance_types`). Lines there are as long as their content.
WIDTH_WITHOUT_TERMINAL = 10_000


def _sized(console: Console) -> Console:
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        console.width = WIDTH_WITHOUT_TERMINAL
    return console


@lru_cache(maxsize=1)
def console() -> Console:
    return _sized(Console(highlight=False, soft_wrap=True))


@lru_cache(maxsize=1)
def err_console() -> Console:
    return _sized(Console(stderr=True, highlight=False, soft_wrap=True))


@contextmanager
def progress(title: str) -> Iterator[Callable[[str], None]]:
    """Long work: a spinner showing the latest step on a terminal; plain lines on stderr elsewhere (CI logs).

    Yields `step(text)`, to call as the work advances.
    """
    from rich.markup import escape

    out = err_console()
    if out.is_terminal:
        with out.status(escape(title)) as status:
            yield lambda text: status.update(f"{escape(title)}: {escape(text[:120])}")
    else:
        out.print(f"{title} ...", markup=False, highlight=False)
        yield lambda text: out.print(f"  {text}", markup=False, highlight=False)


def report_format(fmt: str, output: "OutputFormat | None", default: str = "text") -> str:
    """The format of a command that renders several (`--format text|md|...`) and, like every command,
    takes `--output json`: both name it; `--output json` is `--format json`. Asking for two different
    formats is invalid input."""
    if output is None or output.value == fmt:
        return fmt
    if fmt != default:
        from provisioner.errors import InvalidInput

        raise InvalidInput.single("<command line>", "--output", f"--output {output.value} contradicts --format {fmt}",
                                  "give one of them")
    return output.value


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
