"""The guard in tests/conftest.py: a test that starts a moto server or the local cloud without the `moto` marker
fails, so that `pytest -m "not moto"` really starts no server. Each case runs in a pytest of its own, with the
suite's conftest loaded as a plugin; the guard stops the test before any server starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CASES = '''
import subprocess, sys
import pytest


def test_uses_the_moto_server_fixture_unmarked(moto_server):
    pass


def test_starts_a_moto_server_itself_unmarked():
    subprocess.Popen([sys.executable, "-m", "moto.server", "-p", "1"]).kill()


def test_starts_the_local_cloud_through_the_cli_unmarked():
    subprocess.run([sys.executable, "-m", "provisioner.cli.main", "sandbox", "start"])


def test_runs_an_ordinary_process_unmarked():
    assert subprocess.run([sys.executable, "-c", "print(1)"], capture_output=True).returncode == 0


@pytest.mark.moto
def test_marked_may_start_what_it_likes():
    subprocess.run([sys.executable, "-c", "import moto.server"], check=True)
'''


def test_fails_when_a_test_starts_a_server_without_the_moto_marker(tmp_path: Path):
    # GIVEN tests that start servers with and without the marker, and one that starts an ordinary process
    (tmp_path / "test_cases.py").write_text(CASES, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT)])}
    # WHEN they run under the suite's conftest
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "conftest",
                           "-rA", "test_cases.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    # THEN the three unmarked server starters fail, naming the marker; the others pass
    outcomes = {line.split("::")[-1].split()[0]: line.split()[0] for line in done.stdout.splitlines()
                if line.startswith(("PASSED", "FAILED", "ERROR"))}
    assert outcomes == {
        "test_uses_the_moto_server_fixture_unmarked": "ERROR",
        "test_starts_a_moto_server_itself_unmarked": "FAILED",
        "test_starts_the_local_cloud_through_the_cli_unmarked": "FAILED",
        "test_runs_an_ordinary_process_unmarked": "PASSED",
        "test_marked_may_start_what_it_likes": "PASSED",
    }, done.stdout[-4000:]
    assert done.stdout.count("is not marked `moto`") >= 3
