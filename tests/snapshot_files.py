"""Snapshots of synthesized Terraform JSON: one per blueprint, compared whole, rewritten only on a green run.

A snapshot test calls `compare(path, text)`. A difference fails the test with the whole unified diff (a
diff cut short hides the change that matters). With PROVISION_UPDATE_SNAPSHOTS=1 a differing snapshot is
not written at once: `write_pending` (run by the `pytest_sessionfinish` hook below, which tests/conftest.py
installs) writes every
pending snapshot only if no other test of the session failed, so a rewrite never records the output of
a broken build. Run the snapshot tests with the tests around them, for example

    PROVISION_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/infra tests/infra_serving
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Any

UPDATE_SNAPSHOTS_ENV = "PROVISION_UPDATE_SNAPSHOTS"
PENDING: dict[Path, str] = {}  # snapshot -> new text, written at the end of a green session


def render(config: dict[str, Any]) -> str:
    return json.dumps(config, indent=2, sort_keys=True) + "\n"


def updating() -> bool:
    return os.environ.get(UPDATE_SNAPSHOTS_ENV) == "1"


def compare(path: Path, text: str) -> str | None:
    """None when the snapshot holds `text` (or will be rewritten to it); else the problem, with the whole diff."""
    stored = path.read_text() if path.is_file() else None
    if stored == text:
        return None
    if updating():
        PENDING[path] = text
        return None
    if stored is None:
        return f"no snapshot at {path}; create it with {UPDATE_SNAPSHOTS_ENV}=1 (see tests/snapshot_files.py)"
    diff = "".join(difflib.unified_diff(stored.splitlines(True), text.splitlines(True),
                                        f"snapshots/{path.name}", "synthesized", n=2))
    return (f"{path.name} differs from what synth writes:\n{diff}\n"
            f"If intended: {UPDATE_SNAPSHOTS_ENV}=1 with the tests around it (see tests/snapshot_files.py)")


def write_pending(failed: int) -> list[str]:
    """Write the pending snapshots unless `failed` other tests failed; lines to report either way."""
    if not PENDING:
        return []
    names = sorted(str(path.relative_to(path.parents[2])) for path in PENDING)
    if failed:
        PENDING.clear()
        return [f"snapshots NOT rewritten: {failed} test(s) failed in this run; fix them first ({', '.join(names)})"]
    for path, text in PENDING.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    PENDING.clear()
    return [f"snapshots rewritten: {', '.join(names)}"]


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    """The pytest hook: rewrite pending snapshots only when every test of the run passed."""
    lines = write_pending(session.testsfailed)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    for line in lines:
        if reporter is not None:
            reporter.write_line(line)
        else:
            print(line)
