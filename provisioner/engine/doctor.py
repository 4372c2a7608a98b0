"""`provision doctor`: is this machine ready to plan and apply? One line per check, pass or fail, with the fix.

Checks: the engine and its version (and where providers come from), the runtimes
(Node.js for the CDK layer, checkov for audits: where each came from and its
version), AWS credentials and the account they belong to versus each
environment's `account_id`, and whether each environment's state backend can
be reached. A check that cannot apply here is `skip`, never a silent pass.
Outside an org repository only the machine is checked (engine and runtimes).

What counts as a failure is judged by what was asked and what the org uses:
the environments named (`provision doctor NAME` or `--env`) are judged
strictly; without a name, AWS credentials are required when the org has no
local cloud (every environment needs them) or when some are configured (then
they must work), but someone without any in an org that has a local cloud
only uses the local cloud: its AWS checks are information, with the fix, not
a failure. A local cloud that is not running is information unless asked about.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from provisioner.errors import ProvisionError
from provisioner.runtime.readiness import Check


def check_engine(choice: str, work_dir: Path) -> list[Check]:
    from provisioner.engine.cliconfig import prepare
    from provisioner.engine.discovery import resolve_engine

    try:
        engine = resolve_engine(choice)
    except ProvisionError as exc:
        return [Check("engine", "engine", "fail", exc.message, exc.hint)]
    why = f"--engine {choice}" if choice != "auto" else "auto: a terraform/tofu 1.10+ on PATH, else embedded"
    notes = f"; {'; '.join(engine.notes)}" if engine.notes else ""
    checks = [Check("engine", "engine", "pass", f"{engine.label} ({why}){notes}")]
    try:
        config = prepare(work_dir)
    except ProvisionError as exc:
        checks.append(Check("providers", "providers", "fail", exc.message, exc.hint))
    else:
        checks.append(Check("providers", "providers", "pass", f"from {config.providers_from}"))
        checks.append(check_aws_provider(config))
    return checks


def check_aws_provider(config: Any) -> Check:
    """Which AWS provider Terraform will use: the user cache's build, a mirror, or the registry, and its version."""
    from provisioner.engine.aws_provider import required_version
    from provisioner.engine.cliconfig import AWS_ADDRESS, OFFLINE_ENV, mirror_providers

    wanted = required_version()
    title = "AWS provider"
    if config.aws_build is not None:
        return Check("aws-provider", title, "pass", config.aws_provider_from)
    if config.mirror is not None and AWS_ADDRESS in mirror_providers(config.mirror):
        return Check("aws-provider", title, "pass", f"{wanted} from the filesystem mirror {config.mirror}")
    if os.environ.get(OFFLINE_ENV) == "1":
        return Check("aws-provider", title, "fail",
                     f"offline and no AWS provider {wanted} in a mirror or the user cache",
                     "build it with `make aws-provider` (Go module proxy), or set PROVISION_AWS_PROVIDER=cache "
                     "to use another cached build")
    return Check("aws-provider", title, "pass",
                 f"{wanted} from the registry (downloaded by `terraform init` into the plugin cache)")


def check_node() -> Check:
    from provisioner.runtime.runtimes import node_runtime

    node = node_runtime()
    return Check("node", node.title, "pass" if node.found else "fail", node.detail, node.fix)


def check_checkov() -> Check:
    """Audits run their own rules without checkov, so a missing checkov warns rather than fails."""
    from provisioner.runtime.runtimes import checkov_runtime

    checkov = checkov_runtime()
    return Check("checkov", checkov.title, "pass" if checkov.found else "warn", checkov.detail, checkov.fix)


def machine_checks(engine_choice: str, work_dir: Path) -> list[Check]:
    """What this machine has, whatever the org: the engine and providers, then each runtime."""
    checks = check_engine(engine_choice, work_dir)
    # The AWS provider for Terraform is reported by the `providers` line above (where providers come from).
    checks += [check_node(), check_checkov()]
    return checks


def _explain(exc: BaseException, doing: str) -> tuple[str, str]:
    try:
        from provisioner.cloud.aws import explain

        explained = explain(exc, doing)
    except ImportError:
        explained = None
    return explained or (f"{doing} failed: {type(exc).__name__}: {exc}", "rerun with PROVISION_DEBUG=1 for details")


def check_aws(org: Any, environments: list[str], *, strict: bool,
              required: bool = True) -> tuple[list[Check], str | None]:
    """Credentials, then their account against each environment's. Returns (checks, account or None).

    Not `required` (nobody asked about these environments and the org has a local cloud): no credentials
    at all is information, not a failure; credentials that are configured must still work."""
    import boto3

    envs = {name: org.config.environments[name] for name in environments}
    region = next(iter(envs.values())).region if envs else "us-east-1"
    if not required and not _credentials_configured():
        first = next(iter(envs), "ENV")
        return [Check("aws-credentials", "AWS credentials", "info",
                      f"none configured: the AWS environments ({', '.join(envs) or 'none'}) were not checked; "
                      "the local cloud needs none",
                      f"to use them: sign in (`aws sso login --profile NAME` and set AWS_PROFILE=NAME) or export "
                      f"AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then: provision doctor --env {first}")], None
    try:
        reply = boto3.session.Session().client("sts", region_name=region).get_caller_identity()
    except Exception as exc:  # noqa: BLE001 - every failure becomes a failed check with its fix
        message, fix = _explain(exc, "reading the caller identity (sts:GetCallerIdentity)")
        return [Check("aws-credentials", "AWS credentials", "fail", message, fix)], None
    account, arn = reply["Account"], reply["Arn"]
    checks = [Check("aws-credentials", "AWS credentials", "pass", f"{arn} (account {account})")]
    own = {name: env for name, env in envs.items() if env.deploy_role_arn or env.profile}
    envs = {name: env for name, env in envs.items() if name not in own}
    checks += [check_environment_session(org.root, name, env) for name, env in own.items()]
    matching = [name for name, env in envs.items() if env.account_id == account]
    for name, env in envs.items():
        if env.account_id == account:
            checks.append(Check(f"account:{name}", f"account for {name}", "pass",
                                      f"environment {name} is account {env.account_id}: matches"))
        elif strict or not matching:
            checks.append(Check(
                f"account:{name}", f"account for {name}", "fail",
                f"credentials are for account {account}, environment {name} is account {env.account_id}",
                f"use credentials for account {env.account_id} (for example AWS_PROFILE=<its profile>), or fix "
                f"environments.{name}.account_id in provision.yaml"))
        else:
            checks.append(Check(
                f"account:{name}", f"account for {name}", "skip",
                f"environment {name} is account {env.account_id}; these credentials are for {account}",
                f"check it with credentials for {env.account_id}: provision doctor --env {name}"))
    return checks, account


def _credentials_configured() -> bool:
    """Whether the default credential chain finds any credentials at all (without calling AWS)."""
    import boto3

    try:
        return boto3.session.Session().get_credentials() is not None
    except Exception:  # noqa: BLE001 - a broken profile is configured credentials: the STS call will say why
        return True


def check_environment_session(org_root: Path, name: str, env: Any) -> Check:
    """An environment with a deploy role (or profile): it can be assumed and lands in the environment's account."""
    from provisioner.cloud.access import access
    from provisioner.ds.workspace import check_environment_account
    from provisioner.errors import ProvisionError

    how = f"deploy role {env.deploy_role_arn}" if env.deploy_role_arn else f"profile {env.profile}"
    try:
        aws = access(org_root, name, env).aws()
        check_environment_account(aws, name, env)
        identity = aws.identity(env.region)
    except ProvisionError as exc:
        return Check(f"account:{name}", f"account for {name}", "fail", exc.message, exc.hint)
    return Check(f"account:{name}", f"account for {name}", "pass",
                       f"{how} lands in account {identity.account_id} ({identity.arn}): matches")


def check_backend(name: str, env: Any, state_root: Path, account: str | None,
                  org_root: Path | None = None) -> Check:
    title = f"state backend for {name}"
    state = env.state
    if state.backend == "local":
        try:
            state_root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=state_root, prefix=".doctor-"):
                pass
        except OSError as exc:
            return Check(f"backend:{name}", title, "fail", f"local state folder {state_root} is not writable ({exc})",
                               "fix its permissions, or run from a folder you own")
        return Check(f"backend:{name}", title, "pass",
                           f"local state under {state_root} (trials only: nobody else can see or lock it)")
    if state.backend != "s3":
        return Check(f"backend:{name}", title, "skip", f"{state.backend} backend: not checked by provision",
                           "run `provision plan` to let Terraform check it")
    session = None
    if env.deploy_role_arn or env.profile:  # the state bucket is read as the environment's own session
        from provisioner.cloud.access import access
        from provisioner.errors import ProvisionError

        try:
            aws = access(org_root or state_root, name, env).aws()
            account = aws.identity(env.region).account_id
        except ProvisionError:
            account = None
        else:
            session = aws.session
    if account is None:
        return Check(f"backend:{name}", title, "skip", f"s3://{state.bucket}: needs working AWS credentials",
                           "fix the AWS credentials check above first")
    if account != env.account_id and not state.endpoint:
        return Check(f"backend:{name}", title, "skip",
                           f"s3://{state.bucket} is in account {env.account_id}; these credentials are for {account}",
                           f"check it with credentials for {env.account_id}: provision doctor --env {name}")
    import boto3
    from botocore.config import Config

    region = state.region or env.region
    options: dict[str, Any] = {"region_name": region, "config": Config(retries={"max_attempts": 2}, connect_timeout=5,
                                                                        read_timeout=10,
                                                                        s3={"addressing_style": "path"} if state.endpoint else {})}
    if state.endpoint:
        options["endpoint_url"] = state.endpoint
    client = (session or boto3.session.Session()).client("s3", **options)
    try:
        client.head_bucket(Bucket=state.bucket)
        versioning = client.get_bucket_versioning(Bucket=state.bucket).get("Status", "Disabled")
    except Exception as exc:  # noqa: BLE001
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchBucket", "NotFound"):
            return Check(f"backend:{name}", title, "fail", f"state bucket s3://{state.bucket} does not exist",
                               f"create it with `provision bootstrap {name}`")
        message, fix = _explain(exc, f"reaching the state bucket s3://{state.bucket}")
        return Check(f"backend:{name}", title, "fail", message, fix)
    where = f" via {state.endpoint}" if state.endpoint else ""
    if versioning != "Enabled":
        return Check(f"backend:{name}", title, "fail",
                           f"s3://{state.bucket} is reachable{where} but versioning is {versioning.lower()}: "
                           "a broken state could not be rolled back",
                           f"run `provision bootstrap {name}` (turns versioning on)")
    return Check(f"backend:{name}", title, "pass",
                       f"s3://{state.bucket} in {region}{where}: reachable, versioned; locking with use_lockfile")


def check_local_cloud(org: Any, name: str, env: Any, *, strict: bool) -> Check:
    """A local-cloud environment: its sandbox answers, as the emulator's account, with the test credentials
    (never the user's: provisioner.cloud.access)."""
    from provisioner.cloud.access import access
    from provisioner.errors import OperationFailed

    title = f"local cloud for {name}"
    try:
        aws = access(org.root, name, env).aws()
        identity = aws.identity(env.region)
    except OperationFailed as exc:
        return Check(f"local-cloud:{name}", title, "fail" if strict else "info", exc.message, exc.hint)
    return Check(f"local-cloud:{name}", title, "pass",
                 f"running at {aws.local_endpoint}, account {identity.account_id}, test credentials "
                 "(in memory: lost on stop)")


def run_checks(org: Any, environments: list[str], *, engine_choice: str, state_root: Path,
               strict_account: bool) -> list[Check]:
    """`strict_account`: the environments were asked about (a workspace, or --env): judge them strictly."""
    checks = machine_checks(engine_choice, org.root / ".provision" / "engine")
    real = [name for name in environments if not org.config.environments[name].is_local]
    has_local_cloud = any(env.is_local for env in org.config.environments.values())
    account = None
    if real or not environments:
        aws_checks, account = check_aws(org, real, strict=strict_account,
                                        required=strict_account or not has_local_cloud)
        checks += aws_checks
    for name in environments:
        if org.config.environments[name].is_local:
            checks.append(check_local_cloud(org, name, org.config.environments[name], strict=strict_account))
        checks.append(check_backend(name, org.config.environments[name], state_root, account, org.root))
    if os.environ.get("TF_CLI_CONFIG_FILE") and not Path(os.environ["TF_CLI_CONFIG_FILE"]).is_file():
        checks.append(Check("cli-config", "TF_CLI_CONFIG_FILE", "pass",
                                  f"{os.environ['TF_CLI_CONFIG_FILE']} does not exist; provision uses its own CLI config"))
    return checks
