"""boto3 clients with one retry policy, and AWS errors turned into one line with a fix.

Every call to AWS in `provisioner.cloud` goes through an `Aws` object:

- clients are built once per (service, region, endpoint) with botocore's
  `adaptive` retry mode (exponential backoff with jitter plus client-side rate
  limiting when AWS throttles) and `DEFAULT_MAX_ATTEMPTS` attempts. The
  standard variables `AWS_RETRY_MODE` and `AWS_MAX_ATTEMPTS` override both.
- `AWS_ENDPOINT_URL` (honoured by botocore) points every client at an emulator
  such as moto; an environment's `state.endpoint` points only the state
  bucket's client elsewhere.
- a command gets the session of an environment from provisioner.cloud.access
  (`access(org_root, name, env).aws()`, `access_for(ctx).aws()`), which builds it
  here: the default chain (or the environment's profile) for AWS, the
  environment's deploy role assumed with STS when it has one, the sandbox with
  fixed test credentials for a local cloud (`Aws.local`). This module never
  imports that one.
- `aws_errors("doing something")` wraps a block of calls and raises
  `OperationFailed` (exit 1) with a single line saying what failed, why, and
  how to fix it; `explain(exc, doing)` gives the same text for a preflight
  check to report instead of raising.

boto3 and botocore are imported inside functions only: `provision --help`
must not pay for them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from provisioner.errors import OperationFailed, ProvisionError

DEFAULT_RETRY_MODE = "adaptive"
DEFAULT_MAX_ATTEMPTS = 8
RETRY_MODES = ("standard", "adaptive", "legacy")
MAX_MESSAGE = 300

CREDENTIAL_CODES = frozenset({
    "InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch", "InvalidAccessKeyId",
    "IncompleteSignature", "InvalidToken", "MissingAuthenticationToken", "AuthFailure", "InvalidSignatureException",
})
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"})
ACCESS_CODES = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "Forbidden", "403",
    "UnauthorizedAccess", "AllAccessDisabled", "AccessDeniedForDependencyException",
})
THROTTLE_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException", "RequestLimitExceeded",
    "SlowDown", "RequestThrottled", "RequestThrottledException", "ProvisionedThroughputExceededException",
    "BandwidthLimitExceeded", "EC2ThrottledException", "PriorRequestNotComplete", "TransactionInProgressException",
})
REGION_CODES = frozenset({
    "AuthorizationHeaderMalformed", "PermanentRedirect", "301", "IllegalLocationConstraintException",
    "InvalidLocationConstraint", "OptInRequired", "InvalidRegion",
})
SERVER_CODES = frozenset({"InternalError", "InternalFailure", "ServiceUnavailable", "InternalServerError", "500", "503"})


def retry_config() -> dict[str, Any]:
    """botocore's `retries` setting: `adaptive`, 8 attempts, unless AWS_RETRY_MODE / AWS_MAX_ATTEMPTS say otherwise."""
    mode = os.environ.get("AWS_RETRY_MODE", "").strip() or DEFAULT_RETRY_MODE
    if mode not in RETRY_MODES:
        mode = DEFAULT_RETRY_MODE
    try:
        attempts = max(1, int(os.environ.get("AWS_MAX_ATTEMPTS", "")))
    except ValueError:
        attempts = DEFAULT_MAX_ATTEMPTS
    # `total_max_attempts` counts the first try, as AWS_MAX_ATTEMPTS does (`max_attempts` would count retries only).
    return {"mode": mode, "total_max_attempts": attempts}


@dataclass(frozen=True)
class Identity:
    account_id: str
    arn: str


def account_mismatch(identity: Identity, account_id: str, subject: str, environment: str,
                     role: str | None = None) -> tuple[str, str] | None:
    """(message, hint) when the credentials are for another account than `account_id`, else None.

    `subject` says whose account it is ("workspace 'churn-model' lives in account 111111111111 (environment
    'dev')"). The one wording of this check, whether a command stops on it or reports it as a failed check.
    """
    if identity.account_id == account_id:
        return None
    if role:  # the environment's deploy role was assumed: it is the role (or the account id) that is wrong
        return (f"the deploy role {role} lands in account {identity.account_id}, but {subject}",
                f"fix environments.{environment}.deploy_role_arn or account_id in provision.yaml")
    return (f"the AWS credentials are for account {identity.account_id} ({identity.arn}), but {subject}",
            f"use credentials for account {account_id} (for example AWS_PROFILE=<its profile>), or fix "
            f"environments.{environment}.account_id in provision.yaml")


def require_account(aws: Any, region: str, account_id: str, subject: str, environment: str) -> Identity:
    """The credentials' identity; OperationFailed (exit 1) when they are for another account than `account_id`."""
    identity = aws.identity(region)
    mismatch = account_mismatch(identity, account_id, subject, environment, getattr(aws, "role_arn", None))
    if mismatch:
        raise OperationFailed(*mismatch)
    return identity


# Public, fixed credentials of the local cloud: moto accepts any; these say plainly that they are not real.
TEST_ACCESS_KEY_ID = "test"
TEST_SECRET_ACCESS_KEY = "test"  # noqa: S105 - a well-known placeholder, not a secret

HOME_REGIONS = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}
_SHARED_LOADER: list[Any] = []


def _botocore_session(session_vars: dict[str, Any] | None = None) -> Any:
    """A fresh botocore session (fresh credentials) sharing one model loader with the others.

    Parsing a service model costs 0.1-0.3 s per client and session; the loader caches parsed models.
    `session_vars` overrides where settings come from (botocore's (config key, env vars, default, conversion)).
    """
    import botocore.session

    session = botocore.session.Session(session_vars=session_vars)
    if _SHARED_LOADER:
        session.register_component("data_loader", _SHARED_LOADER[0])
    else:
        _SHARED_LOADER.append(session.get_component("data_loader"))
    return session


def default_session_name() -> str:
    """`provision-<user>`, trimmed to what STS accepts (2-64 of [\\w+=,.@-])."""
    import getpass
    import re

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return ("provision-" + re.sub(r"[^\w+=,.@-]", "-", user))[:64]


SOURCE_IDENTITY_VARIABLE = "PROVISION_SOURCE_IDENTITY"


def source_identity() -> str:
    """Who a deploy-role session acts for, as CloudTrail shows it on every call of the session (and of any
    role chained from it): PROVISION_SOURCE_IDENTITY (a CI run: `github-<repository>-<run id>`), else the
    person at this shell (`<user>`). STS accepts 2-64 of [\\w+=,.@-]; a source identity cannot be changed
    later in the session."""
    import getpass
    import re

    given = os.environ.get(SOURCE_IDENTITY_VARIABLE, "").strip()
    if not given:
        try:
            given = getpass.getuser()
        except (KeyError, OSError):
            given = str(os.getuid())
    value = re.sub(r"[^\w+=,.@-]", "-", given)[:64]
    return value if len(value) >= 2 else f"{value}--"[:2]


class Aws:
    """One boto3 session and its clients. Pass one `Aws` around to reuse clients and cached lookups."""

    def __init__(self, profile: str | None = None, *, credentials: dict[str, str] | None = None,
                 role_arn: str | None = None) -> None:
        import boto3

        with aws_errors("loading AWS credentials"):
            self.session = boto3.session.Session(
                profile_name=None if credentials else profile, botocore_session=_botocore_session(),
                **({"aws_access_key_id": credentials["AccessKeyId"],
                    "aws_secret_access_key": credentials["SecretAccessKey"],
                    "aws_session_token": credentials["SessionToken"]} if credentials else {}),
            )
        self.role_arn = role_arn  # the deploy role this session acts as, if any
        self._clients: dict[tuple[str, str, str | None], Any] = {}
        self._identity: Identity | None = None
        self.cache: dict[Any, Any] = {}  # lookups shared by checks in one run (service quotas per region)
        self.local_endpoint: str | None = None  # the sandbox's endpoint when this is a local cloud

    @classmethod
    def local(cls, endpoint: str, region: str) -> "Aws":
        """A session of the local cloud at `endpoint`: fixed test credentials, and no file or variable of the
        user's AWS configuration is read (no profile, no credentials, no config file, no endpoint override)."""
        import boto3

        # Settings from nowhere but here: no profile, config or credentials file, nor their variables
        # (AWS_PROFILE, AWS_CONFIG_FILE, AWS_ENDPOINT_URL...); os.devnull is an empty, valid file.
        nowhere = {name: (None, None, default, None) for name, default in (
            ("profile", None), ("config_file", os.devnull), ("credentials_file", os.devnull),
            ("region", region), ("endpoint_url", endpoint), ("ca_bundle", None), ("sts_regional_endpoints", "regional"),
        )}
        core = _botocore_session(nowhere)
        self = cls.__new__(cls)
        self.session = boto3.session.Session(aws_access_key_id=TEST_ACCESS_KEY_ID,
                                             aws_secret_access_key=TEST_SECRET_ACCESS_KEY,
                                             region_name=region, botocore_session=core)
        self._clients = {}
        self._identity = None
        self.cache = {}
        self.local_endpoint = endpoint
        self.role_arn = None  # the local cloud has no deploy roles
        return self

    @property
    def is_local(self) -> bool:
        return self.local_endpoint is not None

    def boto3_session(self, region: str) -> Any:
        """A boto3 session with these credentials in `region`, for libraries that take one (the SageMaker SDK)."""
        import boto3

        credentials = self.session.get_credentials()
        if credentials is None:
            return boto3.session.Session(region_name=region)
        frozen = credentials.get_frozen_credentials()
        return boto3.session.Session(aws_access_key_id=frozen.access_key, aws_secret_access_key=frozen.secret_key,
                                     aws_session_token=frozen.token, region_name=region)

    @property
    def ambient_region(self) -> str | None:
        """The region the shell's AWS configuration selects (AWS_REGION, profile), if any."""
        return self.session.region_name

    def client(self, service: str, region: str, endpoint_url: str | None = None) -> Any:
        endpoint_url = endpoint_url or self.local_endpoint
        key = (service, region, endpoint_url)
        if key not in self._clients:
            from botocore.config import Config

            options: dict[str, Any] = {
                "region_name": region,
                "retries": retry_config(),
                "connect_timeout": 10,
                "read_timeout": 60,
                "user_agent_appid": "provision",
            }
            if service == "s3" and endpoint_url:
                options["s3"] = {"addressing_style": "path"}  # S3-compatible stores rarely do virtual hosts
            with aws_errors(f"creating the {service} client"):
                self._clients[key] = self.session.client(
                    service, region_name=region, endpoint_url=endpoint_url or None, config=Config(**options)
                )
        return self._clients[key]

    def home_region(self, region: str) -> str:
        """A region of `region`'s partition that is always enabled (opt-in regions may not be)."""
        try:
            partition = self.session._session.get_partition_for_region(region)
        except Exception:  # noqa: BLE001 - unknown region: assume the commercial partition
            partition = "aws"
        return HOME_REGIONS.get(partition, "us-east-1")

    def identity(self, region: str) -> Identity:
        """Who the credentials are (sts:GetCallerIdentity, needs no permission). Raises OperationFailed.

        Asked in the partition's home region: STS in a region the account has not enabled rejects every token.
        """
        if self._identity is None:
            with aws_errors("reading the caller identity"):
                reply = self.client("sts", self.home_region(region)).get_caller_identity()
            self._identity = Identity(reply["Account"], reply["Arn"])
        return self._identity


def _one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def error_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code") or "") or None
    return None


def explain(exc: BaseException, doing: str) -> tuple[str, str] | None:
    """(message, hint) for an AWS error, or None when `exc` does not come from boto3/botocore."""
    from botocore import exceptions as bex

    if isinstance(exc, (bex.NoCredentialsError, bex.PartialCredentialsError)):
        return (f"no usable AWS credentials while {doing}",
                "sign in (`aws sso login --profile NAME` and set AWS_PROFILE=NAME) or export "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    if isinstance(exc, bex.ProfileNotFound):
        return (f"AWS profile not found while {doing}: {_one_line(exc)}",
                "check AWS_PROFILE against `aws configure list-profiles`")
    if isinstance(exc, (bex.SSOTokenLoadError, bex.UnauthorizedSSOTokenError, bex.TokenRetrievalError)):
        return (f"the AWS SSO session is missing or expired while {doing}",
                "run `aws sso login --profile NAME` and retry")
    if isinstance(exc, bex.CredentialRetrievalError):
        return (f"AWS credentials could not be loaded while {doing}: {_one_line(exc)}",
                "check the credential_process / role settings of your AWS profile")
    if isinstance(exc, bex.NoRegionError):
        return (f"no AWS region while {doing}", "set `region` for the environment in provision.yaml")
    if isinstance(exc, (bex.EndpointConnectionError, bex.ConnectTimeoutError, bex.ConnectionClosedError)):
        return (f"cannot reach AWS while {doing}: {_one_line(exc)}",
                "check the network, the environment's region in provision.yaml, and AWS_ENDPOINT_URL if set")
    if isinstance(exc, bex.ReadTimeoutError):
        return (f"AWS did not answer in time while {doing}: {_one_line(exc)}", "retry; if it persists, check the network")
    if isinstance(exc, bex.ClientError):
        return _explain_client_error(exc, doing)
    if isinstance(exc, bex.BotoCoreError):
        return (f"AWS SDK error while {doing}: {_one_line(exc)}", "rerun with PROVISION_DEBUG=1 for a traceback")
    return None


def _explain_client_error(exc: Any, doing: str) -> tuple[str, str]:
    error = exc.response.get("Error", {})
    meta = exc.response.get("ResponseMetadata", {})
    code = str(error.get("Code") or meta.get("HTTPStatusCode") or "Unknown")
    detail = _one_line(error.get("Message") or "")
    operation = getattr(exc, "operation_name", "") or "call"
    said = f"({operation}: {code}{': ' + detail if detail else ''})"
    if code in EXPIRED_CODES:
        return (f"the AWS credentials have expired while {doing} {said}",
                "refresh them (`aws sso login --profile NAME`, or new temporary keys) and retry")
    if code in CREDENTIAL_CODES:
        return (f"AWS rejected the credentials while {doing} {said}",
                "check AWS_PROFILE / AWS_ACCESS_KEY_ID; run `aws sts get-caller-identity` to see who you are; "
                "if the region was recently enabled, its tokens may need a global STS endpoint setting")
    if code in ACCESS_CODES:
        return (f"AWS denied access while {doing} {said}",
                f"grant the principal the permission for {operation} (see AWS's message), or use a role that has it")
    if code in THROTTLE_CODES:
        attempts = retry_config()["total_max_attempts"]
        return (f"AWS kept throttling the requests while {doing} {said}",
                f"gave up after {attempts} attempts with backoff; wait a minute and retry, "
                "or raise AWS_MAX_ATTEMPTS")
    if code in REGION_CODES:
        region = meta.get("HTTPHeaders", {}).get("x-amz-bucket-region")
        where = f"; the resource is in {region}" if region else ""
        return (f"wrong AWS region while {doing} {said}{where}",
                "set the environment's `region` (or `state.region` for the state bucket) in provision.yaml "
                "to where the resource lives, or enable the region for the account")
    if code in SERVER_CODES or str(meta.get("HTTPStatusCode", "")).startswith("5"):
        return (f"AWS failed internally while {doing} {said}", "retry in a few minutes; check the AWS Health Dashboard")
    return (f"AWS refused the request while {doing} {said}", "fix what AWS's message says, then retry")


def failure(exc: BaseException, doing: str) -> OperationFailed | None:
    explained = explain(exc, doing)
    if explained is None:
        return None
    return OperationFailed(*explained)


@contextmanager
def aws_errors(doing: str) -> Iterator[None]:
    """Turn boto3/botocore errors raised inside the block into `OperationFailed` (one line, exit 1)."""
    try:
        yield
    except ProvisionError:
        raise
    except Exception as exc:  # noqa: BLE001 - only AWS errors are translated, the rest re-raised
        translated = failure(exc, doing)
        if translated is None:
            raise
        raise translated from None


def is_credentials_problem(exc: BaseException) -> bool:
    """True when no call can succeed with these credentials (no point running further checks)."""
    from botocore import exceptions as bex

    if isinstance(exc, (bex.NoCredentialsError, bex.PartialCredentialsError, bex.ProfileNotFound,
                        bex.SSOTokenLoadError, bex.UnauthorizedSSOTokenError, bex.TokenRetrievalError,
                        bex.CredentialRetrievalError, bex.EndpointConnectionError, bex.ConnectTimeoutError)):
        return True
    return error_code(exc) in CREDENTIAL_CODES | EXPIRED_CODES
