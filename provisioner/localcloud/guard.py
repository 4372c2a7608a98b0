"""What the local cloud's server refuses: it answers provision and the SDKs on this machine, nothing else.

moto, as it ships, is built to be reached by anything: it answers cross-origin requests from every origin
(flask-cors), serves its whole state at `/moto-api/data.json` and forgets it at `/moto-api/reset`, routes a
request by whatever `Host` it names, and runs Lambda functions and Batch jobs in Docker containers. On a
developer's machine that makes any web page they open, and any other local user, a client of the sandbox.
The server (provisioner/localcloud/server.py) puts this guard in front of moto; every request passes it:

- a request that names an `Origin` (a browser's cross-origin request or preflight) is refused (403) and no
  answer carries an `Access-Control-*` header: SDKs and Terraform never send one, web pages always do;
- a `Host` other than the loopback names (127.0.0.1, localhost) is refused (403): a web page that points its
  own domain at 127.0.0.1 (DNS rebinding) still names that domain;
- `/moto-api/` (moto's dashboard, state dump, reset, seed, recorder) answers only a request that carries
  this server's start token in `X-Provision-Sandbox-Token` (403 otherwise). The token is made per start by
  `provision sandbox start`, handed to the server in its environment (never its command line, which other
  users can read) and kept in `.provision/sandbox/server.json` (0600); provision's own liveness probe
  carries it;
- Lambda Invoke and Batch SubmitJob are refused with `UnsupportedOperation` (400), and moto's Docker client is
  replaced by one that refuses: the local cloud never starts a container, whatever asks for one.

A CONNECT (a Terraform run whose https_proxy is the sandbox, reaching for real AWS) is refused (405) before
anything else: the sandbox never tunnels.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Iterable
from typing import Any

TOKEN_HEADER = "X-Provision-Sandbox-Token"
TOKEN_ENV = "PROVISION_SANDBOX_TOKEN"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
MOTO_API = "/moto-api"
# Operations moto runs in Docker containers: (botocore service name, operation).
CONTAINER_OPERATIONS = frozenset({
    ("lambda", "Invoke"), ("lambda", "InvokeAsync"), ("lambda", "InvokeWithResponseStream"),
    ("batch", "SubmitJob"),
})
NO_CONTAINERS = ("the local cloud never starts containers (moto would run {what} in Docker); test the code "
                 "itself outside the sandbox")

Refusal = tuple[str, list[tuple[str, str]], bytes]


def refusal(environ: dict[str, Any], token: str, identify: Callable[..., Any] | None = None) -> Refusal | None:
    """(status line, headers, body) when the request must not reach moto, else None."""
    method = environ.get("REQUEST_METHOD", "")
    if method == "CONNECT":
        return _plain("405 Method Not Allowed", "the local cloud never tunnels a connection to another host")
    if environ.get("HTTP_ORIGIN") is not None:
        return _plain("403 Forbidden", "the local cloud answers no cross-origin request")
    host = _hostname(environ.get("HTTP_HOST") or "")
    if host not in LOOPBACK_HOSTS:
        return _plain("403 Forbidden", f"the local cloud answers only as {' or '.join(LOOPBACK_HOSTS)}")
    path = environ.get("PATH_INFO") or ""
    if path == MOTO_API or path.startswith(MOTO_API + "/"):
        given = environ.get("HTTP_" + TOKEN_HEADER.upper().replace("-", "_")) or ""
        if not token or not hmac.compare_digest(given.encode(), token.encode()):
            return _plain("403 Forbidden", "moto's state API answers only provision (its sandbox start token)")
    if identify is not None:
        call = _identify(environ, identify)
        if call is not None and (call.service, call.operation) in CONTAINER_OPERATIONS:
            return _aws_error("UnsupportedOperation", NO_CONTAINERS.format(what=f"{call.service} {call.operation}"))
    return None


def closed(app: Callable[..., Iterable[bytes]], token: str,
           identify: Callable[..., Any] | None = None) -> Callable[..., Iterable[bytes]]:
    """APP (a WSGI callable) behind the guard; no answer of APP carries a CORS header."""

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        refused = refusal(environ, token, identify)
        if refused is not None:
            status, headers, body = refused
            start_response(status, headers + [("Content-Length", str(len(body)))])
            return [body]

        def without_cors(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
            return start_response(status, kept, *rest)

        return app(environ, without_cors)

    return guarded


def refuse_containers() -> None:
    """moto's Docker client, for anything that reaches it (an S3 or SNS trigger invoking a function), refuses."""
    from moto.utilities.docker_utilities import DockerModel

    def docker_client(self: Any) -> Any:
        raise RuntimeError(NO_CONTAINERS.format(what="this"))

    DockerModel.docker_client = property(docker_client)  # type: ignore[method-assign, assignment]


def _hostname(host: str) -> str:
    if host.startswith("["):  # [::1]:port
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if ":" in host else host


def _identify(environ: dict[str, Any], identify: Callable[..., Any]) -> Any:
    headers = {key[5:].replace("_", "-"): value for key, value in environ.items() if key.startswith("HTTP_")}
    target = (environ.get("PATH_INFO") or "/") + (f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else "")
    try:
        return identify(environ.get("REQUEST_METHOD", ""), target, headers)
    except Exception:  # noqa: BLE001 - a request the guard cannot name is not a container operation it knows
        return None


def _plain(status: str, message: str) -> Refusal:
    return status, [("Content-Type", "text/plain; charset=utf-8")], (message + "\n").encode()


def _aws_error(code: str, message: str) -> Refusal:
    body = json.dumps({"__type": code, "message": message, "Message": message}).encode()
    return "400 Bad Request", [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)], body
