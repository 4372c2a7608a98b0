"""The sandbox: one local-cloud server per org, in the background, found through `.provision/sandbox/`.

    .provision/sandbox/server.json   pid, port, start time and start token of the running server (0600)
    .provision/sandbox/server.log    what the server printed (requests, errors) (0600)

The folder is 0700 and both files 0600: the log names every call, and the token is what lets provision
(and nothing else) use moto's state API (provisioner/localcloud/guard.py).

`start` picks a free port on 127.0.0.1 (or the one asked for), starts
`python -m provisioner.localcloud.server` in its own session (so that it
outlives the command), waits until it answers, and writes `server.json`.
`stop` ends exactly that process: the pid's command line must still be our
server on that port, so a pid the system reused for something else is never
signalled. Everything the server holds is in memory: a stop (or a crash) loses
it. Terraform state of local-cloud workspaces is kept in local files, which
is why `check_state` exists: a state written before the running server started
describes resources that no longer exist.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from provisioner.runtime import clock
from provisioner.errors import OperationFailed

HOST = "127.0.0.1"
STATE_FILE = "server.json"
LOG_FILE = "server.log"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
SERVER_MODULE = "provisioner.localcloud.server"
START = "provision sandbox start"
MEMORY_NOTE = "its state is in memory: everything in it is lost when it stops"


def sandbox_dir(org_root: Path) -> Path:
    return Path(org_root) / ".provision" / "sandbox"


@dataclass(frozen=True)
class Server:
    """A server this org started (as recorded in server.json)."""

    pid: int
    port: int
    started: str  # ISO 8601, UTC
    token: str = field(default="", repr=False)  # the start token: in server.json only, never shown

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def started_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.started)

    def to_dict(self) -> dict:
        """What commands show (the token stays in server.json)."""
        return {"pid": self.pid, "port": self.port, "started": self.started, "endpoint": self.endpoint}


@dataclass(frozen=True)
class Status:
    """What `status` found: a running server, a stale record (the process is gone), or nothing."""

    state: str  # running | stale | stopped
    server: Server | None
    log: Path

    @property
    def running(self) -> bool:
        return self.state == "running"

    def to_dict(self) -> dict:
        return {"state": self.state, "server": self.server.to_dict() if self.server else None, "log": str(self.log)}


class Sandbox:
    """The local cloud of one org."""

    def __init__(self, org_root: Path) -> None:
        self.dir = sandbox_dir(org_root)

    @property
    def state_file(self) -> Path:
        return self.dir / STATE_FILE

    @property
    def log_file(self) -> Path:
        return self.dir / LOG_FILE

    # -- reading ------------------------------------------------------------------------------------

    def recorded(self) -> Server | None:
        try:
            data = json.loads(self.state_file.read_text())
            return Server(int(data["pid"]), int(data["port"]), str(data["started"]), str(data.get("token", "")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def status(self) -> Status:
        server = self.recorded()
        if server is None:
            return Status("stopped", None, self.log_file)
        if _is_our_server(server) and _answers(server):
            return Status("running", server, self.log_file)
        return Status("stale", server, self.log_file)

    def running(self) -> Server:
        """The running server, or OperationFailed (exit 1) saying how to start it."""
        found = self.status()
        if found.running:
            assert found.server is not None
            return found.server
        if found.state == "stale":
            raise OperationFailed(f"the local cloud is not running (its server, pid {found.server.pid}, stopped or "
                                  f"crashed; {MEMORY_NOTE})", f"start it: {START}")
        raise OperationFailed("the local cloud is not running", f"start it: {START}")

    # -- start / stop -------------------------------------------------------------------------------

    def start(self, port: int | None = None) -> tuple[Server, bool, str | None]:
        """(server, started now, note). A running server is reused: never two servers for one org."""
        found = self.status()
        if found.running:
            assert found.server is not None
            return found.server, False, None
        note = None
        if found.state == "stale":
            assert found.server is not None
            note = (f"the previous server (pid {found.server.pid}, port {found.server.port}) had stopped or crashed; "
                    f"what it held is gone")
            self.state_file.unlink(missing_ok=True)
        if port is not None and not _port_free(port):
            raise OperationFailed(f"port {port} on {HOST} is in use by another program",
                                  f"pick another: {START} --port N, or leave --port out to take a free one")
        chosen = port if port is not None else _free_port()
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.dir.chmod(0o700)
        token = secrets.token_urlsafe(32)
        with _open_private(self.log_file) as log:
            log.write(f"--- {_now()} starting on port {chosen}\n".encode())
            log.flush()
            process = subprocess.Popen(
                [sys.executable, "-m", SERVER_MODULE, "--port", str(chosen)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=self.dir,
                env=_server_env(token), start_new_session=True,  # its own session: it outlives this command
            )
        server = Server(process.pid, chosen, _now(), token)
        with _open_private(self.log_file) as log:
            log.write(f"--- {server.started} server pid {process.pid}\n".encode())
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise OperationFailed(f"the local cloud's server exited at start (code {process.returncode}): "
                                      f"{_last_line(self.log_file)}",
                                      f"read {self.log_file}; if the port was taken meanwhile, run {START} again")
            if _answers(server):
                _write_private(self.state_file, json.dumps(server.__dict__, indent=2) + "\n")
                return server, True, note
            time.sleep(0.1)
        _terminate(process.pid)
        raise OperationFailed(f"the local cloud's server did not answer within {START_TIMEOUT:.0f}s",
                              f"read {self.log_file}, then run {START} again")

    def stop(self) -> tuple[str, Server | None]:
        """('stopped' | 'stale' | 'not-running', server): ends exactly the recorded process."""
        found = self.status()
        server = found.server
        if server is None:
            return "not-running", None
        if _is_our_server(server):
            _terminate(server.pid)
            self.state_file.unlink(missing_ok=True)
            return "stopped", server
        self.state_file.unlink(missing_ok=True)  # the process is gone: only the record is left to clear
        return "stale", server


# -- state files of local-cloud workspaces --------------------------------------------------------------

def check_state(workspace: str, state_file: Path, server: Server, org_root: Path) -> None:
    """Refuse a plan on a state the running server has never seen (it was written before the server started).

    The local cloud forgets everything when it stops; a local state file from an earlier server lists
    resources that are gone, and Terraform would fail on them (or plan as if they existed).
    """
    try:
        data = json.loads(state_file.read_text())
        written = dt.datetime.fromtimestamp(state_file.stat().st_mtime, dt.timezone.utc)
    except (OSError, ValueError):
        return
    resources = [r for r in data.get("resources", []) if r.get("mode") == "managed"]
    if not resources or written >= server.started_at:
        return
    try:
        shown = os.path.relpath(state_file)
    except ValueError:
        shown = str(state_file)
    raise OperationFailed(
        f"workspace {workspace}: its local state ({len(resources)} resources, written "
        f"{written.strftime('%Y-%m-%d %H:%M:%S UTC')}) is from a local cloud that has since stopped (the running one "
        f"started {server.started_at.strftime('%Y-%m-%d %H:%M:%S UTC')} and holds none of them)",
        f"start over: remove the stale state (rm {shown}) and plan again",
    )


# -- processes and ports ----------------------------------------------------------------------------------

def _now() -> str:
    return clock.now().isoformat()


def _server_env(token: str) -> dict[str, str]:
    """The server never needs, and so never gets, the user's AWS identity; it gets its start token here, not
    on its command line (which every local user can read)."""
    from provisioner.localcloud.guard import TOKEN_ENV

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONUNBUFFERED"] = "1"
    env[TOKEN_ENV] = token
    return env


def _open_private(path: Path):  # type: ignore[no-untyped-def]
    """PATH opened to append, created 0600 (and made 0600 if an older one was readable to others)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.fchmod(descriptor, 0o600)
    return os.fdopen(descriptor, "ab")


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable to others, not even briefly
    with os.fdopen(descriptor, "w") as out:
        out.write(text)
    tmp.replace(path)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _answers(server: Server) -> bool:
    """The server answers provision's own probe (moto's API, with the start token the guard asks for)."""
    from provisioner.localcloud.guard import TOKEN_HEADER

    request = urllib.request.Request(f"{server.endpoint}/moto-api/", headers={TOKEN_HEADER: server.token})
    try:
        with urllib.request.urlopen(request, timeout=1):
            return True
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return _ps_cmdline(pid)
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _ps_cmdline(pid: int) -> list[str]:
    """Systems without /proc (macOS): ask ps."""
    try:
        out = subprocess.run(["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return []
    return out.stdout.split()


def _is_our_server(server: Server) -> bool:
    """The pid is alive and is still our server on that port (pids get reused)."""
    argv = _cmdline(server.pid)
    return SERVER_MODULE in argv and str(server.port) in argv


def _terminate(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)  # our own child (tests, the start that timed out): reap it
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    state = Path(f"/proc/{pid}/stat")
    try:
        return state.read_text().split(") ", 1)[1][:1] != "Z"  # a zombie has ended
    except (OSError, IndexError):
        return True


def _last_line(path: Path) -> str:
    try:
        lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "(no log)"
    return lines[-1].strip()[:300] if lines else "(empty log)"
