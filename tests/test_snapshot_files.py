"""The snapshot mechanics: whole diffs, and no rewrite while another test fails (tests/snapshot_files.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from snapshot_files import compare

TESTS = Path(__file__).resolve().parent
SESSION = '''
from pathlib import Path

from snapshot_files import compare


def test_snapshot():
    assert compare(Path(__file__).parent / "snapshots" / "bp.json", "new\\n") is None


def test_other():
    assert OTHER_PASSES
'''


def _run_session(folder: Path, other_passes: bool) -> subprocess.CompletedProcess:
    (folder / "snapshots").mkdir(parents=True)
    (folder / "snapshots" / "bp.json").write_text("old\n")
    (folder / "test_session.py").write_text(SESSION.replace("OTHER_PASSES", str(other_passes)))
    env = {**os.environ, "PROVISION_UPDATE_SNAPSHOTS": "1", "PYTHONPATH": f"{TESTS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "snapshot_files",
                           "--rootdir", str(folder), "-c", os.devnull, str(folder)],
                          capture_output=True, text=True, env=env, cwd=folder)


def test_fails_to_rewrite_snapshots_while_another_test_fails(tmp_path: Path):
    # GIVEN a run asked to rewrite a changed snapshot, in which another test fails
    result = _run_session(tmp_path, other_passes=False)
    # THEN the snapshot keeps its old text and the run says why
    assert (tmp_path / "snapshots" / "bp.json").read_text() == "old\n"
    assert "snapshots NOT rewritten: 1 test(s) failed" in result.stdout, result.stdout
    assert result.returncode == 1


def test_snapshots_are_rewritten_when_every_test_passes(tmp_path: Path):
    # GIVEN the same run with every other test passing  THEN the snapshot is rewritten
    result = _run_session(tmp_path, other_passes=True)
    assert result.returncode == 0, result.stdout
    assert (tmp_path / "snapshots" / "bp.json").read_text() == "new\n"
    assert "snapshots rewritten" in result.stdout


def test_a_changed_snapshot_shows_the_whole_diff(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # GIVEN a large snapshot whose every line changes (a diff of ~100,000 characters)
    monkeypatch.delenv("PROVISION_UPDATE_SNAPSHOTS", raising=False)
    lines = [f"line {i}\n" for i in range(5000)]
    path = tmp_path / "bp.json"
    path.write_text("".join(lines))
    # WHEN compared
    problem = compare(path, "".join(line.upper() for line in lines))
    # THEN the message holds the diff to its last line
    assert problem is not None and "-line 0\n" in problem and "+LINE 4999\n" in problem
