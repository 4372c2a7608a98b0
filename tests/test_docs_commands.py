"""Every `provision` command in a ```sh block of the docs runs, in order, on a copy of the example org.

```console blocks are transcripts (they may show failures on purpose) and are not run.
Commands that need an AWS account are written in ```console blocks.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from provisioner.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "blueprints").glob("*/README.md")])
BLOCK = re.compile(r"```sh\n(.*?)```", re.S)


def commands(path: Path) -> list[str]:
    found = []
    for block in BLOCK.findall(path.read_text()):
        joined = block.replace("\\\n", " ")
        found.extend(line.strip() for line in joined.splitlines() if line.strip().startswith("provision "))
    return found


DOCUMENTED = [(path, commands(path)) for path in DOCS if commands(path)]


@pytest.mark.parametrize(("doc", "lines"), DOCUMENTED, ids=[str(p.relative_to(ROOT)) for p, _ in DOCUMENTED])
def test_documented_commands_run(doc: Path, lines: list[str], acme: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    # GIVEN a private copy of the example org, as the docs assume
    from provisioner.localcloud.sandbox import Sandbox

    monkeypatch.chdir(acme)
    monkeypatch.delenv("PROVISION_ORG", raising=False)
    try:
        for line in lines:
            # WHEN each documented command runs
            code = cli(shlex.split(line)[1:])
            # THEN it succeeds
            assert code == 0, f"{doc.name}: `{line}` exited {code}:\n{capsys.readouterr().err}"
    finally:
        Sandbox(acme).stop()  # a doc that starts the local cloud stops it; a failing one must not leave it running
