"""`provision sandbox start|status|stop`: one server per org, found and ended by its recorded pid."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from provisioner.localcloud.sandbox import Sandbox

pytestmark = [pytest.mark.moto]  # `provision sandbox start` starts the local cloud (a moto server)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().split(") ", 1)[1][:1] != "Z"


def _wait_gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_start_status_double_start_and_stop(run, acme: Path):
    # GIVEN an org whose sandbox is not running
    try:
        # WHEN it is started
        started = run("sandbox", "start", "-o", "json")
        assert started.code == 0, started.err
        server = started.json()
        # THEN a server answers on 127.0.0.1 at the recorded port, and its pid, port and log are in .provision/sandbox
        assert server["started_now"] is True and server["endpoint"] == f"http://127.0.0.1:{server['port']}"
        recorded = json.loads((acme / ".provision" / "sandbox" / "server.json").read_text())
        probe = urllib.request.Request(f"{server['endpoint']}/moto-api/",  # provision's probe carries the start token
                                       headers={"X-Provision-Sandbox-Token": recorded["token"]})
        with urllib.request.urlopen(probe, timeout=5) as reply:
            assert reply.status == 200
        assert recorded["pid"] == server["pid"] and recorded["port"] == server["port"]
        assert (acme / ".provision" / "sandbox" / "server.log").is_file()
        # AND status says where and since when, and that its state is lost on stop
        status = run("sandbox", "status")
        assert status.code == 0
        assert f"running at {server['endpoint']} (pid {server['pid']}) since" in status.out
        assert "lost when it stops" in status.out
        # WHEN it is started again
        again = run("sandbox", "start")
        # THEN no second server: the running one is named
        assert again.code == 0 and "already running" in again.out and str(server["pid"]) in again.out
        assert json.loads((acme / ".provision" / "sandbox" / "server.json").read_text())["pid"] == server["pid"]
        # WHEN it is stopped
        stopped = run("sandbox", "stop")
        # THEN exactly that process ends, and status says it is not running, with the command that starts it
        assert stopped.code == 0 and f"pid {server['pid']}" in stopped.out
        assert _wait_gone(server["pid"])
        after = run("sandbox", "status")
        assert after.code == 1
        assert after.error_lines == ["error: the local cloud is not running"]
        assert "provision sandbox start" in after.err
    finally:
        Sandbox(acme).stop()


def test_a_stale_pid_file_is_reported_and_replaced_on_start(run, acme: Path):
    # GIVEN a record of a server whose process has ended (a pid that no longer runs)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    folder = acme / ".provision" / "sandbox"
    folder.mkdir(parents=True)
    (folder / "server.json").write_text(json.dumps({"pid": gone.pid, "port": 1, "started": "2026-01-01T00:00:00+00:00"}))
    # WHEN its status is asked
    status = run("sandbox", "status")
    # THEN it is not running: stopped or crashed, what it held is gone, and how to start a new one
    assert status.code == 1
    assert f"pid {gone.pid}" in status.err and "stopped or crashed" in status.err
    assert "provision sandbox start" in status.err
    # WHEN the sandbox is started
    try:
        started = run("sandbox", "start", "-o", "json")
        # THEN a new server runs, and the note says the previous one had stopped
        assert started.code == 0, started.err
        assert started.json()["pid"] != gone.pid and "had stopped or crashed" in started.json()["note"]
        assert run("sandbox", "status").code == 0
    finally:
        Sandbox(acme).stop()


def test_fails_when_the_port_is_in_use(run, acme: Path):
    # GIVEN another program listening on a port of 127.0.0.1
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        # WHEN the sandbox is started on that port
        result = run("sandbox", "start", "--port", str(port))
    # THEN it fails with one line naming the port, and how to go on; nothing was started or recorded
    assert result.code == 1
    assert result.error_lines == [f"error: port {port} on 127.0.0.1 is in use by another program"]
    assert "--port N, or leave --port out" in result.err
    assert not (acme / ".provision" / "sandbox" / "server.json").exists()


def test_a_server_killed_from_outside_is_noticed_by_status_commands_and_stop(run, acme: Path):
    # GIVEN a running sandbox whose server is then killed by someone else
    started = run("sandbox", "start", "-o", "json")
    assert started.code == 0, started.err
    pid = started.json()["pid"]
    try:
        os.kill(pid, signal.SIGKILL)
        assert _wait_gone(pid)
        # WHEN its status is asked
        status = run("sandbox", "status")
        # THEN it says the server stopped or crashed, and how to start a new one
        assert status.code == 1 and "stopped or crashed" in status.err and "provision sandbox start" in status.err
        # AND a command on a local-cloud environment exits 1 with one line and the command that starts it
        command = run("status", "sandbox-trial")
        assert command.code == 1
        assert len(command.error_lines) == 1 and "the local cloud is not running" in command.error_lines[0]
        assert "hint: start it: provision sandbox start" in command.err
        # WHEN it is stopped
        stopped = run("sandbox", "stop")
        # THEN the stale record is cleared, and no process was signalled
        assert stopped.code == 0 and "had already stopped" in stopped.out
        assert not (acme / ".provision" / "sandbox" / "server.json").exists()
    finally:
        Sandbox(acme).stop()


def test_stop_never_signals_a_process_that_reused_the_recorded_pid(run, acme: Path):
    # GIVEN a record whose pid now belongs to another program (not our server)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        folder = acme / ".provision" / "sandbox"
        folder.mkdir(parents=True)
        (folder / "server.json").write_text(json.dumps({"pid": other.pid, "port": 4566,
                                                        "started": "2026-01-01T00:00:00+00:00"}))
        # WHEN the sandbox is stopped
        stopped = run("sandbox", "stop")
        # THEN the record is cleared and the other program still runs
        assert stopped.code == 0 and "had already stopped" in stopped.out
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_commands_on_a_local_cloud_fail_with_the_start_command_when_it_is_not_running(run):
    # GIVEN the example org, whose sandbox environment is a local cloud, and no sandbox running
    # WHEN commands that reach that environment run
    for args in (("status", "sandbox-trial"), ("preflight", "sandbox-trial"), ("env", "sandbox-trial"),
                 ("bootstrap", "sandbox"), ("inventory", "--env", "sandbox"), ("models", "list", "sandbox-trial")):
        result = run(*args)
        # THEN each exits 1 with one line and the command that starts it
        assert result.code == 1, (args, result.err)
        assert result.error_lines == ["error: the local cloud is not running"], (args, result.err)
        assert "start it: provision sandbox start" in result.err


def test_the_server_process_installs_the_moto_extensions_before_it_serves(sandbox, acme: Path):
    # GIVEN a running sandbox  WHEN its log is read
    log = (acme / ".provision" / "sandbox" / "server.log").read_text()
    # THEN the extensions were installed first, then it served on 127.0.0.1, saying its state is in memory
    installed = log.index("moto extensions installed")
    assert installed < log.index(f"serving on http://127.0.0.1:{sandbox.port}")
    assert "lost on stop" in log


def _client(sandbox, service: str):
    import boto3

    return boto3.client(service, region_name="eu-west-1", endpoint_url=sandbox.endpoint,
                        aws_access_key_id="test", aws_secret_access_key="test")


def test_the_server_log_names_each_calls_operation_status_sdk_attempt_and_caller(sandbox, acme: Path):
    sagemaker = _client(sandbox, "sagemaker")
    # GIVEN a running sandbox  WHEN a call fails there (a pipeline that does not exist)
    with pytest.raises(sagemaker.exceptions.ResourceNotFound):
        sagemaker.describe_pipeline(PipelineName="no-such-pipeline")
    # THEN its log line names the operation, the status, the SDK's attempt and the caller (what explains a failed apply)
    log = (acme / ".provision" / "sandbox" / "server.log").read_text()
    assert re.search(r'"POST /" 400 sagemaker\.DescribePipeline attempt=1;max=\d+ [0-9a-f-]{36} sdk$', log, re.M), log[-2000:]
    # AND a query-protocol call (IAM: a form, no target header) is named by its service and Action
    iam = _client(sandbox, "iam")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName="no-such-role")
    log = (acme / ".provision" / "sandbox" / "server.log").read_text()
    assert re.search(r'"POST /" 404 iam\.GetRole attempt=1;max=\d+ [0-9a-f-]{36} ', log), log[-2000:]
    # AND a REST call (S3: method and path only) by its route in the service model, with the run its SDK names
    import boto3
    from botocore.config import Config

    s3 = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test").client(
        "s3", region_name="eu-west-1", endpoint_url=sandbox.endpoint,
        config=Config(user_agent_appid="provision", s3={"addressing_style": "path"}))  # as provision's clients are
    with pytest.raises(s3.exceptions.NoSuchBucket):
        s3.get_bucket_tagging(Bucket="no-such-bucket")
    log = (acme / ".provision" / "sandbox" / "server.log").read_text()
    assert re.search(r'"GET /no-such-bucket\?tagging" 404 s3\.GetBucketTagging attempt=1;max=\d+ [0-9a-f-]{36} provision$',
                     log, re.M), log[-2000:]


def test_the_sandbox_refuses_to_proxy_a_connection_to_real_aws(sandbox):
    """A local-cloud provider's https_proxy is the sandbox (infra/local_cloud.py): any https call, i.e. any
    real AWS endpoint, reaches it as a CONNECT, which must be refused, never tunnelled."""
    import http.client

    # GIVEN a running sandbox  WHEN a client asks it to tunnel to an AWS endpoint
    connection = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=10)
    connection.request("CONNECT", "sts.eu-west-1.amazonaws.com:443")
    reply = connection.getresponse()
    # THEN it refuses (405): nothing leaves this machine
    assert reply.status == 405
    connection.close()


def test_bootstrap_of_a_local_cloud_creates_the_studio_domain_its_environment_names_once(run, sandbox):
    # GIVEN a running sandbox and the sandbox environment, which names Studio domain d-acmesandbox
    # WHEN it is bootstrapped twice
    first = run("bootstrap", "sandbox", "--output", "json")
    second = run("bootstrap", "sandbox", "--output", "json")
    # THEN the first run creates the domain in the local cloud and the second finds it
    assert first.code == 0, first.err
    assert [s["action"] for s in json.loads(first.out)["seeded"]] == ["created"]
    assert [s["action"] for s in json.loads(second.out)["seeded"]] == ["unchanged"]
    domain = _client(sandbox, "sagemaker").describe_domain(DomainId="d-acmesandbox")
    # AND the domain sits in the emulator's default VPC with an execution role (what a notebooks workspace needs)
    assert domain["VpcId"].startswith("vpc-") and domain["SubnetIds"]
    assert domain["DefaultUserSettings"]["ExecutionRole"].endswith(":role/provision-local-studio")
