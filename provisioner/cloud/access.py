"""How provision reaches one environment's cloud: the one place every command gets it from.

`access(org_root, env_name, env)` answers, for an environment of provision.yaml:

- `aws()`: the boto3 session (`Aws`) of our own commands;
- `process_env()`: the environment variables that send a child process or an SDK
  (Terraform's AWS provider, the SageMaker SDK) to the same cloud with the same identity;
- `terraform_env()`: those plus what the synthesized config asks Terraform for.

A real environment (`cloud: aws`, the default) uses the caller's own AWS
configuration: the default credential chain (AWS_PROFILE, SSO, keys) and
nothing added. A local-cloud environment (`cloud: local`) uses the org's
sandbox (`provision sandbox start`) at its endpoint, with fixed public test
credentials, and never reads the user's profile, credentials or config files;
when the sandbox is not running, every command on it stops with exit 1 and
the command that starts it.

A real environment may name a `profile` (used instead of the default chain)
or a `deploy_role_arn`: every command then acts as that role, assumed with STS
from the caller's credentials (the environment's `external_id`, session name
`session_name` or `provision-<user>`), once per environment and run (assumed
credentials last an hour). Terraform assumes the same role itself, through the
synthesized provider's and S3 backend's `assume_role` blocks, so its process
gets the caller's credentials (and profile), not the assumed ones. A
local-cloud environment never has a role (refused when provision.yaml loads).

Nothing heavy is imported at module load (boto3 only inside `Aws`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from infra.local_cloud import ENDPOINT_VARIABLE
from provisioner.cloud.aws import (
    TEST_ACCESS_KEY_ID,
    TEST_SECRET_ACCESS_KEY,
    Aws,
    aws_errors,
    default_session_name,
    source_identity,
)
from provisioner.errors import OperationFailed

if TYPE_CHECKING:
    from provisioner.models.org import Environment
    from provisioner.models.resolved import WorkspaceContext

# Variables that would make an SDK or Terraform reach for the user's own AWS identity or endpoints.
USER_AWS_VARIABLES = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_CA_BUNDLE", "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",  # would route around AWS_ENDPOINT_URL
)


# One assumed session per environment (and role, and ambient identity) for the run.
_SESSIONS: dict[tuple[object, ...], Aws] = {}


def forget_sessions() -> None:
    """Drop the cached environment sessions (tests; a long-running process after credentials change)."""
    _SESSIONS.clear()


@dataclass(frozen=True)
class Access:
    """The way to one environment's cloud. `endpoint` is the sandbox's for a local cloud, None for AWS.

    `profile` and `role_arn` (with `external_id`, `session_name`) are a real environment's own credentials:
    its AWS profile, or the deploy role every command assumes in its account.
    """

    environment: str
    region: str
    endpoint: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    session_name: str | None = None

    @property
    def is_local(self) -> bool:
        return self.endpoint is not None

    def aws(self) -> Aws:
        """The environment's session: the sandbox's, the deploy role's (assumed once per run), or the caller's."""
        if self.endpoint is not None:
            return Aws.local(self.endpoint, self.region)
        ambient = tuple(os.environ.get(k) for k in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_ENDPOINT_URL"))
        key = (self.environment, self.region, self.profile, self.role_arn, self.external_id, self.session_name,
               ambient)
        cached = _SESSIONS.get(key)
        if cached is None:
            cached = _SESSIONS[key] = self._assume_role() if self.role_arn else Aws(profile=self.profile)
        return cached

    def _assume_role(self) -> Aws:
        assert self.role_arn is not None
        base = Aws(profile=self.profile)
        # The source identity names the person (or CI run) in CloudTrail; the trust allows sts:SetSourceIdentity.
        request = {"RoleArn": self.role_arn, "RoleSessionName": self.session_name or default_session_name(),
                   "SourceIdentity": source_identity()}
        if self.external_id:
            request["ExternalId"] = self.external_id
        try:
            with aws_errors(f"assuming the deploy role {self.role_arn} of environment {self.environment!r}"):
                reply = base.client("sts", base.home_region(self.region)).assume_role(**request)
        except OperationFailed as exc:
            raise OperationFailed(exc.message, f"check deploy_role_arn / external_id of environment "
                                  f"{self.environment!r} in provision.yaml, and that your credentials may assume "
                                  "it (its trust policy); `provision bootstrap ENV` creates the role") from None
        return Aws(credentials=reply["Credentials"], role_arn=self.role_arn)

    def process_env(self) -> dict[str, str | None]:
        """Variables to set (a value) or remove (None) for a child process or SDK.

        For a real environment: its profile, if it names one (a deploy role is assumed by the synthesized
        provider and backend, or, in-process, through `aws()`); otherwise nothing.
        """
        if self.endpoint is None:
            return {"AWS_PROFILE": self.profile} if self.profile else {}
        env: dict[str, str | None] = {name: None for name in USER_AWS_VARIABLES}
        env.update({name: None for name in os.environ if name.startswith("AWS_ENDPOINT_URL_")})
        env.update({
            "AWS_ACCESS_KEY_ID": TEST_ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": TEST_SECRET_ACCESS_KEY,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            # No file of the user's: os.devnull is an empty, valid config and credentials file.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        })
        return env

    def terraform_env(self) -> dict[str, str | None]:
        """`process_env()` (a local cloud's provider finds the sandbox through AWS_ENDPOINT_URL) plus the
        endpoint variable the synthesized provider block of a local cloud reads (its `https_proxy`)."""
        env = self.process_env()
        if self.endpoint is not None:
            env[f"TF_VAR_{ENDPOINT_VARIABLE}"] = self.endpoint
        return env


def access(org_root: Path | str, env_name: str, env: "Environment") -> Access:
    """The access of environment `env_name`; for a local cloud, OperationFailed (exit 1) if it is not running."""
    if not env.is_local:
        from infra.credentials import ambient

        if ambient():  # the caller already is the environment's role (a CI job): chain into nothing
            return Access(env_name, env.region, profile=env.profile)
        return Access(env_name, env.region, profile=env.profile, role_arn=env.deploy_role_arn,
                      external_id=env.external_id, session_name=env.session_name)
    from provisioner.localcloud.sandbox import Sandbox

    server = Sandbox(Path(org_root)).running()
    return Access(env_name, env.region, server.endpoint)


def access_for(ctx: "WorkspaceContext") -> Access:
    """The access of a workspace's environment (see `access`)."""
    root = ctx.org_root
    if root is None:
        from provisioner.models.org import find_org_file

        root = find_org_file().parent
    return access(root, ctx.environment, ctx.env)


@contextmanager
def environment_of(changes: dict[str, str | None]) -> Iterator[None]:
    """Apply `changes` to os.environ for the block (for SDKs that read it in-process), then restore it."""
    saved = {key: os.environ.get(key) for key in changes}
    try:
        for key, value in changes.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def apply_env(changes: dict[str, str | None], base: dict[str, str] | None = None) -> dict[str, str]:
    """`base` (default: os.environ) with `changes` applied: a None value removes the variable."""
    out = dict(os.environ if base is None else base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out
