"""The sandbox is closed to everything but provision and the SDKs of this machine (provisioner/localcloud/guard.py).

Each test plays what a web page or another local user would try against a running sandbox (the real server
process, `provision sandbox start`), and each failed before the guard: moto answered every origin, served its
state and reset to anyone, routed any Host, and ran Lambda functions in Docker.
"""

from __future__ import annotations

import http.client
import json
import stat
from pathlib import Path

import pytest

pytestmark = [pytest.mark.moto]


def _client(sandbox, service: str):
    import boto3

    return boto3.client(service, region_name="eu-west-1", endpoint_url=sandbox.endpoint,
                        aws_access_key_id="test", aws_secret_access_key="test")


def _request(sandbox, method: str, path: str, headers: dict[str, str] | None = None, body: bytes | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=10)
    connection.request(method, path, body=body, headers=headers or {})
    reply = connection.getresponse()
    data = reply.read()
    connection.close()
    return reply, data


def _token(acme: Path) -> str:
    return json.loads((acme / ".provision" / "sandbox" / "server.json").read_text())["token"]


def test_fails_when_a_web_page_sends_a_cross_origin_preflight(sandbox):
    # GIVEN a running sandbox  WHEN a browser preflights a cross-origin call from a web page
    reply, _ = _request(sandbox, "OPTIONS", "/", {"Origin": "https://attacker.example",
                                                  "Access-Control-Request-Method": "POST",
                                                  "Access-Control-Request-Headers": "authorization,x-amz-target"})
    # THEN it is refused, and nothing in the answer lets the page go on
    assert reply.status == 403
    assert not [h for h in reply.headers if h.lower().startswith("access-control-")]


def test_fails_when_a_web_page_sends_a_simple_cross_origin_request(sandbox):
    # GIVEN a running sandbox  WHEN a page posts a form to it (a "simple" request: the browser sends no preflight)
    reply, body = _request(sandbox, "POST", "/", {"Origin": "null", "Content-Type": "application/x-www-form-urlencoded"},
                           b"Action=ListUsers&Version=2010-05-08")
    # THEN it is refused before any service sees it, with no CORS header
    assert reply.status == 403 and b"cross-origin" in body
    assert reply.getheader("Access-Control-Allow-Origin") is None


@pytest.mark.parametrize("method, path", [("GET", "/moto-api/data.json"), ("POST", "/moto-api/reset"),
                                          ("GET", "/moto-api/"), ("POST", "/moto-api/seed?a=42")])
def test_fails_when_moto_state_api_is_asked_without_the_start_token(sandbox, acme: Path, method: str, path: str):
    # GIVEN a running sandbox holding a bucket
    _client(sandbox, "s3").create_bucket(Bucket="kept", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    # WHEN another local program asks moto's state API, with no token and then with a wrong one
    for headers in ({}, {"X-Provision-Sandbox-Token": "guessed"}):
        reply, body = _request(sandbox, method, path, headers)
        # THEN it is refused, shows nothing of the state and resets nothing
        assert reply.status == 403, (headers, body[:200])
        assert b"kept" not in body
    assert [b["Name"] for b in _client(sandbox, "s3").list_buckets()["Buckets"]] == ["kept"]
    # AND provision's own call, with this start's token, is answered
    reply, _ = _request(sandbox, "GET", "/moto-api/", {"X-Provision-Sandbox-Token": _token(acme)})
    assert reply.status == 200


def test_fails_when_a_request_names_a_foreign_host(sandbox):
    # GIVEN a running sandbox  WHEN a request arrives under another name (a page's domain rebound to 127.0.0.1)
    sts_call = b"Action=GetCallerIdentity&Version=2011-06-15"
    reply, body = _request(sandbox, "POST", "/", {"Host": f"rebound.attacker.example:{sandbox.port}",
                                                  "Content-Type": "application/x-www-form-urlencoded"}, sts_call)
    # THEN it is refused
    assert reply.status == 403 and b"answers only as 127.0.0.1 or localhost" in body
    # AND the loopback names are served (SDKs name 127.0.0.1 from AWS_ENDPOINT_URL)
    assert _client(sandbox, "sts").get_caller_identity()["Account"] == "123456789012"


def test_fails_when_a_lambda_function_is_invoked(sandbox):
    from botocore.exceptions import ClientError

    # GIVEN a running sandbox with a Lambda function (moto would run it in a Docker container)
    role = _client(sandbox, "iam").create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]["Arn"]
    import io
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    lam = _client(sandbox, "lambda")
    lam.create_function(FunctionName="fn", Runtime="python3.12", Role=role, Handler="handler.handler",
                        Code={"ZipFile": archive.getvalue()})
    # WHEN it is invoked
    with pytest.raises(ClientError) as raised:
        lam.invoke(FunctionName="fn", Payload=b"{}")
    # THEN the sandbox refuses, saying it never starts containers
    assert raised.value.response["Error"]["Code"] == "UnsupportedOperation"
    assert "never starts containers" in raised.value.response["Error"]["Message"]


def test_fails_when_a_batch_job_is_submitted(sandbox):
    from botocore.exceptions import ClientError

    # GIVEN a running sandbox  WHEN a Batch job is submitted (moto runs jobs in Docker)
    with pytest.raises(ClientError) as raised:
        _client(sandbox, "batch").submit_job(jobName="j", jobQueue="q", jobDefinition="d")
    # THEN it is refused as an operation the local cloud does not run, not looked up
    assert raised.value.response["Error"]["Code"] == "UnsupportedOperation"
    assert "never starts containers" in raised.value.response["Error"]["Message"]


def test_the_sandbox_files_are_private_and_the_token_is_never_shown(run, sandbox, acme: Path):
    folder = acme / ".provision" / "sandbox"
    # GIVEN a running sandbox  WHEN its folder and files are looked at
    # THEN only their owner may read them (the log names every call; server.json holds the token)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("server.log", "server.json"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name
    token = _token(acme)
    assert len(token) >= 32
    # AND the token shows in no command's output, and not on the server's command line (other users read it)
    status = run("sandbox", "status", "-o", "json")
    assert status.code == 0 and token not in status.out and "token" not in status.json()["server"]
    assert token not in Path(f"/proc/{sandbox.pid}/cmdline").read_bytes().decode(errors="replace")
