"""The local cloud's services under test: one moto server process per session with `services.install()` run
before it serves (the way provisioner/localcloud/server.py loads them), and boto3 clients on it, reset
before every test (moto's reset API).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from .roundtrip import PROJECT_ROOT, REGION

SERVER_CODE = (
    "import sys; from provisioner.localcloud.services import install; install(); "
    "from moto.server import main; main(sys.argv[1:])"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def extended_moto() -> Iterator[str]:
    """A moto server process on 127.0.0.1 that installed the extensions before serving; yields its endpoint."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER_CODE, "-H", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto server with extensions exited: {process.stderr.read().decode()[-2000:]}")
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("moto server with extensions did not start")
    try:
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def client(extended_moto: str):
    """boto3 clients on the extended server, which starts every test empty (moto's reset API)."""
    import boto3

    urllib.request.urlopen(urllib.request.Request(f"{extended_moto}/moto-api/reset", method="POST"), timeout=10)
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )

    def make(service: str):
        return session.client(service, endpoint_url=extended_moto)

    return make
