"""The error contract shared by every command.

Exit codes (documented in the README):
  0  success
  1  an operation failed (Terraform, AWS, network)
  2  invalid input (spec, blueprint, org config, arguments)
  3  blocked by policy

Messages show paths with `shown(path)`: relative to the current folder when it can be
(`cdktf.out/stacks/x/cdk.tf.json`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_POLICY = 3


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field of one file: what, where, and how to fix it."""

    file: str
    field: str
    message: str
    hint: str = ""

    def render(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        text = f"{where}: {self.message}"
        return f"{text}; {self.hint}" if self.hint else text


class ProvisionError(Exception):
    """Base of every error the CLI knows how to report without a traceback."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def lines(self) -> list[str]:
        return [self.message + (f"\n  hint: {self.hint}" if self.hint else "")]

    def __reduce__(self):  # type: ignore[no-untyped-def]
        # Errors cross process boundaries (synth workers) whole: message, hint, problems.
        return (_rebuild, (self.__class__, self.args, self.__dict__))


def _rebuild(cls: type[ProvisionError], args: tuple, state: dict) -> ProvisionError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class InvalidInput(ProvisionError):
    """Bad input: every problem found, reported at once (exit 2)."""

    exit_code = EXIT_INVALID

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(p.render() for p in self.problems))

    def lines(self) -> list[str]:
        return [p.render() for p in self.problems]


    @classmethod
    def single(cls, file: str | Path, field: str, message: str, hint: str = "") -> "InvalidInput":
        return cls([Problem(str(file), field, message, hint)])


class OperationFailed(ProvisionError):
    """Terraform, AWS or the network failed (exit 1)."""

    exit_code = EXIT_FAILED


class PolicyBlocked(ProvisionError):
    """An unsuppressed policy finding or a guardrail stops the operation (exit 3)."""

    exit_code = EXIT_POLICY


class ProblemCollector:
    """Collects problems so that a loader can report all of them at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str | Path, field: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(str(file), field, message, hint))

    def extend(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise InvalidInput(self.problems)


def did_you_mean(given: str, choices: Iterable[str]) -> str:
    """"did you mean 'full-mlops'?" when `given` is a likely typo of one of `choices`, else ""."""
    import difflib

    close = difflib.get_close_matches(given, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def shown(path: Path | str) -> str:
    """How a message shows a path: relative to the current folder when it can be."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)
