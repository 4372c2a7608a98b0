from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from provisioner.cli.main import cli


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("error:")]


@pytest.fixture
def run(acme: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Runs `provision ARGS` in-process inside a private copy of the example org."""
    monkeypatch.chdir(acme)
    monkeypatch.delenv("PROVISION_ORG", raising=False)

    def invoke(*args: str) -> Result:
        capsys.readouterr()
        code = cli(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke
