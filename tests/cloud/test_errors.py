"""AWS errors become one line with a fix (exit 1); throttling is retried with backoff first."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from provisioner.cloud.aws import Aws, explain, retry_config
from provisioner.errors import OperationFailed

IDENTITY = """<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci</Arn><UserId>AIDATEST</UserId>
<Account>123456789012</Account></GetCallerIdentityResult>
<ResponseMetadata><RequestId>ok</RequestId></ResponseMetadata></GetCallerIdentityResponse>"""
THROTTLED = """<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>
<RequestId>throttled</RequestId></ErrorResponse>"""


def client_error(code: str, message: str = "msg", status: int = 400, headers: dict | None = None):
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": message},
                        "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": headers or {}}},
                       "DescribeThing")


@pytest.mark.parametrize(
    ("code", "message_part", "hint_part"),
    [
        ("AccessDeniedException", "denied access", "permission for DescribeThing"),
        ("AccessDenied", "denied access", "permission"),
        ("UnauthorizedOperation", "denied access", "permission"),
        ("ExpiredToken", "expired", "aws sso login"),
        ("ExpiredTokenException", "expired", "aws sso login"),
        ("InvalidClientTokenId", "rejected the credentials", "aws sts get-caller-identity"),
        ("UnrecognizedClientException", "rejected the credentials", "AWS_PROFILE"),
        ("ThrottlingException", "throttling", "AWS_MAX_ATTEMPTS"),
        ("SlowDown", "throttling", "AWS_MAX_ATTEMPTS"),
        ("RequestLimitExceeded", "throttling", "AWS_MAX_ATTEMPTS"),
        ("AuthorizationHeaderMalformed", "wrong AWS region", "state.region"),
        ("OptInRequired", "wrong AWS region", "enable the region"),
        ("InternalError", "failed internally", "retry"),
        ("ValidationException", "refused the request", "AWS's message"),
    ],
)
def test_client_error_codes_map_to_one_line_with_a_fix(code, message_part, hint_part):
    # GIVEN an AWS error with this code  WHEN it is explained
    message, hint = explain(client_error(code, "the details\nover two lines"), "doing the thing")
    # THEN the message is one line naming what was being done, the call, the code and AWS's words, plus a fix
    assert message_part in message
    assert "\n" not in message
    assert "while doing the thing" in message
    assert f"DescribeThing: {code}: the details over two lines" in message
    assert hint_part in hint


def test_wrong_region_names_where_the_bucket_is():
    # GIVEN S3's redirect for a bucket in another region  WHEN it is explained
    message, _ = explain(client_error("PermanentRedirect", status=301,
                                      headers={"x-amz-bucket-region": "us-west-2"}), "reading the state")
    # THEN the message says where the bucket lives
    assert "the resource is in us-west-2" in message


def test_errors_that_are_not_from_aws_are_left_alone():
    # GIVEN a programming error  WHEN explained  THEN it is not mistaken for an AWS error
    assert explain(KeyError("x"), "doing") is None


def test_retry_policy_is_adaptive_with_bounded_attempts_unless_overridden(monkeypatch):
    # GIVEN no override  THEN adaptive mode with 8 attempts
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    assert retry_config() == {"mode": "adaptive", "total_max_attempts": 8}
    # GIVEN the standard variables  THEN they win, and nonsense falls back to the defaults
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")
    assert retry_config() == {"mode": "standard", "total_max_attempts": 3}
    monkeypatch.setenv("AWS_RETRY_MODE", "fast")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "many")
    assert retry_config() == {"mode": "adaptive", "total_max_attempts": 8}


class ThrottlingSts:
    """An STS look-alike on 127.0.0.1 that throttles the first `throttle` requests, then answers.

    moto cannot throttle, so this tiny server stands in for STS to prove that
    botocore's retries (configured by provisioner.cloud.aws) really back off and
    retry, and give up after the configured attempts.
    """

    def __init__(self, throttle: int) -> None:
        self.throttle = throttle
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests += 1
                throttled = outer.requests <= outer.throttle
                body = (THROTTLED if throttled else IDENTITY).encode()
                self.send_response(400 if throttled else 200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "ThrottlingSts":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def throttling(aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[type[ThrottlingSts]]:
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    yield ThrottlingSts


@pytest.mark.moto
def test_throttled_calls_are_retried_until_they_succeed(throttling, monkeypatch):
    # GIVEN STS throttling the first two requests, and the default retry policy (adaptive, 8 attempts)
    with throttling(throttle=2) as sts:
        monkeypatch.setenv("AWS_ENDPOINT_URL", sts.endpoint)
        # WHEN the caller identity is read
        identity = Aws().identity("eu-west-1")
    # THEN it succeeds on the third attempt
    assert identity.account_id == "123456789012"
    assert sts.requests == 3


@pytest.mark.moto
def test_fails_with_one_line_when_throttling_outlasts_the_retries(throttling, run, monkeypatch):
    # GIVEN STS throttling every request, and at most 2 attempts (standard mode: adaptive mode's client-side
    # rate limiter would add seconds of waiting; the test above exercises it)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    with throttling(throttle=10**6) as sts:
        monkeypatch.setenv("AWS_ENDPOINT_URL", sts.endpoint)
        # WHEN a command needs the caller identity
        result = run("status", "churn-model")
    # THEN it gave up after 2 attempts with one line and a fix; exit 1
    assert sts.requests == 2
    assert result.code == 1
    assert len(result.error_lines) == 1
    assert "kept throttling" in result.error_lines[0]
    assert "AWS_MAX_ATTEMPTS" in result.err
    assert "Traceback" not in result.err


@pytest.mark.moto
def test_fails_with_one_line_when_there_are_no_credentials(run, tmp_path: Path, monkeypatch):
    # GIVEN no credentials anywhere (and no instance metadata lookups, which would leave 127.0.0.1)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "missing-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "missing-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # WHEN a command needs AWS
    result = run("preflight", "churn-model")
    # THEN one line says so and how to sign in; exit 1
    assert result.code == 1
    assert len(result.error_lines) == 1
    assert "no usable AWS credentials" in result.error_lines[0]
    assert "aws sso login" in result.err


@pytest.mark.moto
def test_fails_with_one_line_when_the_profile_does_not_exist(run, monkeypatch):
    # GIVEN AWS_PROFILE naming a profile that is not configured
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    # WHEN a command needs AWS
    result = run("inventory")
    # THEN one line names the problem and where to look
    assert result.code == 1
    assert "profile not found" in result.error_lines[0]
    assert "aws configure list-profiles" in result.err


def test_aws_errors_raise_operation_failed():
    # GIVEN an AWS error inside the guarded block  WHEN it escapes  THEN it is an OperationFailed (exit 1)
    from provisioner.cloud.aws import aws_errors

    with pytest.raises(OperationFailed) as caught:
        with aws_errors("listing things"):
            raise client_error("AccessDenied", "User: x is not authorized to perform: tag:GetResources")
    assert caught.value.exit_code == 1
    assert "tag:GetResources" in caught.value.message
