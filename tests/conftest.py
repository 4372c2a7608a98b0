"""Shared fixtures: the example org, and a moto server on 127.0.0.1.

Session-scoped where expensive: a moto server starts once per test session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto_support import MotoServer, running_server

# Tests never reach for the EC2 instance metadata service (a network address) or a developer's real AWS account.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
for _key in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
    os.environ.pop(_key, None)
os.environ.__setitem__("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/provision-tests/credentials")
os.environ.__setitem__("AWS_CONFIG_FILE", "/nonexistent/provision-tests/config")

# The product's clock (provisioner/runtime/clock.py) is pinned for the whole session, subprocesses included:
# no test depends on the machine's calendar. Tests that need another day take it from `on_day`.
SUITE_TODAY = "2026-11-30"
os.environ["PROVISION_TODAY"] = SUITE_TODAY

# The bindings' runtime type checks are a development aid that normal synths skip: tests keep them.
os.environ["PROVISION_TYPE_CHECKS"] = "1"

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_ORG = PROJECT_ROOT / "examples" / "acme"

# The tool finds its runtimes the way a user's install does (JSII_NODE / user cache / PATH, and
# PROVISION_CHECKOV / user cache / PATH); this checkout's own runtimes are the ones `make setup`
# put into .tools, named here unless the caller named others.
_DEV_NODE = PROJECT_ROOT / ".tools" / "node" / "node_modules" / "node" / "bin" / "node"
_DEV_CHECKOV = PROJECT_ROOT / ".tools" / "checkov-venv" / "bin" / "checkov"
if _DEV_NODE.exists():
    os.environ.setdefault("JSII_NODE", str(_DEV_NODE))
if _DEV_CHECKOV.exists():
    os.environ.setdefault("PROVISION_CHECKOV", str(_DEV_CHECKOV))

# jsii starts node once per process: make sure it is a supported one (22+), whoever imports cdktn first.
try:
    from provisioner.runtime.node import ensure_node

    ensure_node()
except Exception as exc:  # noqa: BLE001 - tests that need the CDK layer will report it
    print(f"conftest: {exc}", file=sys.stderr)

# Pending snapshot rewrites are written when the session ends, and only if every test passed.
from snapshot_files import pytest_sessionfinish  # noqa: E402, F401  (a pytest hook)


class CliResult:
    """What one in-process `provision` run returned and printed."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("error:")]

    def json(self):
        import json

        return json.loads(self.out)


@pytest.fixture
def run(acme: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Runs `provision ARGS` in-process inside the private copy of the example org (`acme`)."""
    from provisioner.cli.main import cli

    monkeypatch.chdir(acme)
    monkeypatch.delenv("PROVISION_ORG", raising=False)

    def invoke(*args: str) -> CliResult:
        capsys.readouterr()
        code = cli(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def run_cli(run):
    """The same as `run`, under the name the engine tests use."""
    return run


@pytest.fixture
def today() -> "dt.date":
    """The day the suite runs on, whatever the machine's calendar says (PROVISION_TODAY, set above)."""
    import datetime as dt

    return dt.date.fromisoformat(SUITE_TODAY)


@pytest.fixture
def on_day(monkeypatch: pytest.MonkeyPatch):
    """Moves the product clock to another day for one test: `on_day("2027-04-01")`."""
    import datetime as dt

    def move(day: str) -> dt.date | None:
        monkeypatch.setenv("PROVISION_TODAY", day)
        try:
            return dt.date.fromisoformat(day)
        except ValueError:  # a test of what the product says about a bad day
            return None

    return move


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    """A private copy of the example org, safe to write into."""
    target = tmp_path / "acme"
    shutil.copytree(EXAMPLE_ORG, target, ignore=shutil.ignore_patterns(".provision", "cdktf.out"))
    return target


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """A real moto server on 127.0.0.1 (never a real network address)."""
    with running_server([sys.executable, "-m", "moto.server"]) as server:
        yield server


@pytest.fixture
def aws(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """A clean moto server and the AWS environment variables pointing at it."""
    moto_server.reset()
    from provisioner.cloud.access import forget_sessions

    forget_sessions()  # assumed-role credentials die with moto's reset
    for key, value in moto_server.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return moto_server


# -- the `moto` marker is the truth: `pytest -m "not moto"` starts no server ---------------------------------------
# A test that starts a moto server or a local cloud (sandbox) must carry the `moto` marker. Two guards:
# at set-up, a test using a server fixture; while it runs, a test that starts one as a process (in-process
# `provision sandbox start`, Sandbox.start, `python -m moto.server`, the demo, or a child `provision sandbox start`).
SERVER_FIXTURES = {"moto_server", "extended_moto", "sandbox", "local_org"}
_SERVER_ARGS = ("moto.server", "provisioner.localcloud.server", "demo.sh")


def _starts_a_server(args) -> bool:  # noqa: ANN001 - Popen's args: a list or a string
    argv = [str(a) for a in args] if isinstance(args, (list, tuple)) else str(args).split()
    joined = " ".join(argv)
    return any(marker in joined for marker in _SERVER_ARGS) or ("sandbox" in argv and "start" in argv)


def _unmarked_server_message(nodeid: str, what: str) -> str:
    return (f"{nodeid} {what} but is not marked `moto`: add `pytestmark = [pytest.mark.moto]` (or "
            f"@pytest.mark.moto), so that `pytest -m \"not moto\"` stays a tier without servers")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("moto") is None:
        used = SERVER_FIXTURES & set(getattr(item, "fixturenames", ()))
        if used:
            pytest.fail(_unmarked_server_message(item.nodeid, f"uses {', '.join(sorted(used))}"), pytrace=False)


@pytest.fixture(autouse=True)
def _servers_need_the_moto_marker(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("moto") is not None:
        return
    nodeid = request.node.nodeid

    class GuardedPopen(subprocess.Popen):
        def __init__(self, args, *rest, **kwargs) -> None:  # noqa: ANN001 - Popen's own signature
            if _starts_a_server(args):
                raise AssertionError(_unmarked_server_message(nodeid, f"starts a server ({args!r})"))
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", GuardedPopen)
