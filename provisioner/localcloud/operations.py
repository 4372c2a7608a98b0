"""Which AWS operation a request to the local cloud is, and who made it: what every line of its log names.

A request names its service in its SigV4 signature (the credential scope, or `X-Amz-Credential` of a
presigned URL) and its operation in one of four ways, one per AWS protocol family:

- JSON protocols: the `X-Amz-Target` header (`SageMaker.DescribePipeline`);
- query protocols (IAM, STS, SNS, EC2): the form's `Action`;
- Smithy RPC v2 CBOR (CloudWatch from aws-sdk-go-v2): the path, `/service/<name>/operation/<Operation>`;
- REST protocols (S3, EventBridge Scheduler, SageMaker runtime): method, path, query and headers, matched
  against each operation's `http` binding in the service's botocore model, the most specific match first
  (a literal path segment or query key beats a label; a required header must be present).

`Call.name` is `service.Operation` with botocore's service name (`sagemaker.DescribePipeline`,
`s3.PutObject`, `cloudwatch.PutMetricAlarm`): the name docs/local-cloud-extensions.md and
`provision sandbox coverage` use. The caller comes from the User-Agent: the AWS provider
(`terraform-provider-aws`), provision itself (`app/provision`, provisioner/cloud/aws.py), or any other SDK;
`exec-env/<value>` (the SDKs' `AWS_EXECUTION_ENV`) tags a run, as the e2e tier tags each blueprint's steps.

Only the local cloud's server process imports this module (it loads botocore models).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

# SigV4 signing names that are not botocore's service name (checked against botocore: tests/localcloud).
SIGNING_NAMES = {
    "monitoring": "cloudwatch",
    "tagging": "resourcegroupstaggingapi",
    "servicequotas": "service-quotas",
}
# REST services signing with another service's name: tried when that service's model has no match.
REST_SIBLINGS = {"sagemaker": ("sagemaker-runtime",)}

_CREDENTIAL = re.compile(r"Credential=[^/,\s]*/[^/]*/[^/]*/([^/]*)/")
_RPC_V2 = re.compile(r"^/service/[^/]+/operation/([A-Za-z0-9]+)$")


@dataclass(frozen=True)
class Call:
    """One request: its service (botocore's name) and operation, when they could be told; who made it."""

    service: str | None
    operation: str | None
    caller: str  # provider | provision | sdk | -
    exec_env: str | None = None

    @property
    def name(self) -> str:
        if self.operation is None:
            return f"{self.service}.-" if self.service else "-"
        return f"{self.service}.{self.operation}"

    @property
    def by(self) -> str:
        """`provider`, `provision@e2e.churn.apply`: the caller, and the run it belongs to."""
        return f"{self.caller}@{self.exec_env}" if self.exec_env else self.caller


def identify(method: str, target: str, headers: dict[str, str], form_action: str | None = None) -> Call:
    """The call a request makes. TARGET is the request target (path and query); HEADERS' keys in any case."""
    lowered = {key.lower(): value for key, value in headers.items()}
    url = urlsplit(target)
    query = dict(parse_qsl(url.query, keep_blank_values=True))
    signing = _signing_name(lowered.get("authorization", ""), query.get("X-Amz-Credential", ""))
    service = SIGNING_NAMES.get(signing, signing) if signing else None
    operation: str | None = None
    amz_target = lowered.get("x-amz-target")
    if amz_target:
        operation = amz_target.rsplit(".", 1)[-1]
    elif form_action or "Action" in query:
        operation = form_action or query["Action"]
    elif (rpc := _RPC_V2.match(url.path)) is not None:
        operation = rpc[1]
    elif service is not None:
        for candidate in (service, *REST_SIBLINGS.get(service, ())):
            operation = _route(candidate, method.upper(), url.path, query, lowered)
            if operation is not None:
                service = candidate
                break
    # aws-sdk-go-v2 may carry its SDK metadata (exec-env among it) in X-Amz-User-Agent as well
    caller, exec_env = _caller(" ".join(filter(None, (lowered.get("user-agent"), lowered.get("x-amz-user-agent")))))
    return Call(service, operation, caller, exec_env)


def _signing_name(authorization: str, presigned_credential: str) -> str | None:
    found = _CREDENTIAL.search(authorization)
    if found:
        return found[1]
    parts = presigned_credential.split("/")
    return parts[3] if len(parts) >= 5 else None


def _caller(user_agent: str) -> tuple[str, str | None]:
    if "terraform-provider-aws" in user_agent:
        caller = "provider"
    elif re.search(r"(^|\s)app/provision(\s|$)", user_agent):
        caller = "provision"
    elif user_agent:
        caller = "sdk"
    else:
        caller = "-"
    exec_env = re.search(r"(?:^|\s)exec-env/(\S+)", user_agent)
    return caller, exec_env[1] if exec_env else None


@dataclass(frozen=True)
class _Route:
    operation: str
    method: str
    path: re.Pattern[str]
    query: dict[str, str | None]  # literal query keys of the binding (value None: any value)
    headers: frozenset[str]  # required header members, lower case
    specificity: tuple[int, int, int]


@functools.cache
def _routes(service: str) -> tuple[_Route, ...]:
    """Every operation of a REST service, as a pattern over method, path, query and required headers."""
    import botocore.session
    from botocore.exceptions import UnknownServiceError

    try:
        model = botocore.session.get_session().get_service_model(service)
    except UnknownServiceError:
        return ()
    if model.protocol not in ("rest-json", "rest-xml"):
        return ()
    routes = []
    for name in model.operation_names:
        operation = model.operation_model(name)
        uri = operation.http.get("requestUri", "/")
        path, _, literal_query = uri.partition("?")
        pattern, literal = "", 0
        for piece in re.split(r"(\{[^}]+\})", path):
            if piece.startswith("{"):
                pattern += ".+" if piece.endswith("+}") else "[^/]+"
            else:
                pattern += re.escape(piece)
                literal += len(piece.strip("/"))
        query = {key: (value or None) for key, value in parse_qsl(literal_query, keep_blank_values=True)}
        shape = operation.input_shape
        required_headers = frozenset(
            shape.members[member].serialization.get("name", member).lower()
            for member in (shape.required_members if shape is not None else [])
            if shape.members[member].serialization.get("location") == "header"
        )
        routes.append(_Route(name, operation.http.get("method", "POST"), re.compile(f"^{pattern.rstrip('/')}/?$"),
                             query, required_headers, (literal, len(query), len(required_headers))))
    return tuple(sorted(routes, key=lambda r: r.specificity, reverse=True))


def _route(service: str, method: str, path: str, query: dict[str, str], headers: dict[str, str]) -> str | None:
    routes = _routes(service)
    named = query.get("x-id")  # aws-sdk-go-v2 names some S3 operations in the query: ?x-id=GetObject
    if named and any(route.operation == named for route in routes):
        return named
    for route in routes:
        if route.method != method or not route.path.match(path or "/"):
            continue
        if any(key not in query or (value is not None and query[key] != value) for key, value in route.query.items()):
            continue
        if not route.headers <= headers.keys():
            continue
        return route.operation
    return None
