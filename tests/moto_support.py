"""A moto server on 127.0.0.1 for the tests: started as a process, waited for, stopped.

tests/conftest.py starts plain moto; tests/promotion/conftest.py starts it with the local cloud's extensions.
(A module of its own: `from conftest import ...` would find whichever conftest.py Python imported first.)
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


# A moto server that installed the local cloud's extensions before serving (as provisioner/localcloud/server.py does).
EXTENDED_SERVER_CODE = ("import sys; from provisioner.localcloud.services import install; install(); "
                        "from moto.server import main; main(sys.argv[1:])")


class MotoServer:
    def __init__(self, port: int, process: subprocess.Popen) -> None:
        self.port = port
        self.process = process
        self.endpoint = f"http://127.0.0.1:{port}"

    def reset(self) -> None:
        """Forget every resource (moto's reset API), so tests do not see each other's."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).read()

    def env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_REGION": "eu-west-1",
        }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(command: list[str], *, timeout: float = 30, cwd: Path | None = None,
                   env: dict[str, str] | None = None) -> Iterator[MotoServer]:
    """COMMAND (a moto server taking `-H 127.0.0.1 -p PORT`) started on a free loopback port, until it answers."""
    port = free_port()
    process = subprocess.Popen(
        [*command, "-H", "127.0.0.1", "-p", str(port)], cwd=cwd,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true", **(env or {})},
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError(f"moto server did not start: {' '.join(command)}")
    try:
        yield MotoServer(port, process)
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def running_extended_server(project_root: Path) -> Iterator[MotoServer]:
    """A moto server with the local cloud's extensions, importing them from PROJECT_ROOT."""
    import sys

    path = os.pathsep.join([str(project_root), os.environ.get("PYTHONPATH", "")])
    with running_server([sys.executable, "-c", EXTENDED_SERVER_CODE], timeout=60, cwd=project_root,
                        env={"PYTHONPATH": path}) as server:
        yield server
