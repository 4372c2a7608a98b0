"""Preflight: what AWS can tell before a long `apply` that Terraform only finds out halfway.

    from provisioner.cloud.preflight import run_preflight, failures
    checks = run_preflight(ctx)          # ctx: a resolved WorkspaceContext
    if failures(checks): ...             # each Check (provisioner.runtime.readiness) says what failed and how to fix it

`run_preflight` never raises for a failed check; it raises `OperationFailed`
only when AWS cannot be asked at all (no or rejected credentials, no network),
which the CLI reports as one line with exit 1. `gate(request)` is the
pre-apply gate for provisioner.engine.gates (`"provisioner.cloud.preflight:gate"`):
it raises `PreflightFailed` (exit 1, one line per failed check with its fix).
Checks, in order:

- `region`: the environment's region is a SageMaker region and is enabled
  for the account; a warning when the shell's own AWS region differs;
- `account`: the credentials belong to the environment's `account_id`;
- `state-bucket`: the remote-state bucket exists, is in the right region and
  is locked down (versioning, SSE-KMS, public-access blocks, TLS-only policy);
- `quota:<instance type>:<usage>`: for every instance type and count the
  workspace may use, the SageMaker quota is at least that count.

After a failed `region` or `account` check the remaining ones are reported
as `skip`: their answers would be about the wrong place.
"""

from __future__ import annotations

from typing import Any

from provisioner.cloud.access import access_for
from provisioner.cloud.aws import ACCESS_CODES, Aws, account_mismatch, error_code, explain, is_credentials_problem
from provisioner.cloud.quotas import ENDPOINT, Quota, QuotaNeed, increase_command, quota_needs, sagemaker_quotas
from provisioner.cloud.state_backend import bootstrap, state_target
from provisioner.errors import OperationFailed, ProvisionError
from provisioner.models.resolved import WorkspaceContext
from provisioner.runtime.readiness import Check, failures


class PreflightFailed(OperationFailed):
    """Failed preflight checks (exit 1): one line per check, each with its fix."""

    def __init__(self, workspace: str, checks: list[Check]) -> None:
        self.workspace = workspace
        self.checks = failures(checks)
        super().__init__(f"preflight of {workspace!r} failed {len(self.checks)} check(s)",
                         "fix them, or skip the preflight with --skip-preflight")

    def lines(self) -> list[str]:
        return [f"preflight {self.workspace}: {check.title}: {check.detail}; fix: {check.fix}" for check in self.checks]


def gate(request: Any) -> None:
    """Pre-apply gate (provisioner.engine.gates.GateRequest): stop an apply or destroy that preflight fails.

    A destroy is not checked for quotas: it frees capacity.
    """
    ctx = getattr(request, "context", None)
    if ctx is None:
        return
    checks = run_preflight(ctx, quotas=getattr(request, "action", "apply") != "destroy")
    if failures(checks):
        raise PreflightFailed(ctx.name, checks)


def run_preflight(ctx: WorkspaceContext, *, aws: Aws | None = None, quotas: bool = True) -> list[Check]:
    """Every preflight check of one workspace (see the module docstring); `quotas=False` leaves quotas out."""
    aws = aws or access_for(ctx).aws()
    checks: list[Check] = []
    if ctx.env.is_local:
        return _local_cloud(ctx, aws, quotas)
    region_ok = _region_known(ctx, aws, checks)
    if not region_ok:
        return checks + _skipped(ctx, "the region check failed", quotas)
    if not _account(ctx, aws, checks):
        return checks + _skipped(ctx, "the credentials are for another account", quotas)
    if not _region_enabled(ctx, aws, checks):
        return checks + _skipped(ctx, "the region is not enabled", quotas)
    checks.append(_state_bucket(ctx, aws))
    if quotas:
        checks.extend(_quotas(ctx, aws))
    return checks


def _local_cloud(ctx: WorkspaceContext, aws: Aws, quotas: bool) -> list[Check]:
    """The local cloud has no regions to enable, state bucket or quotas: it must answer, as its own account."""
    checks: list[Check] = []
    if not _account(ctx, aws, checks):
        return checks
    why = "the local cloud has none"
    checks.append(Check("region", "region", "pass", f"{ctx.region} on the local cloud at {aws.local_endpoint}"))
    checks.append(Check("state-bucket", "state bucket", "skip", "this environment keeps its state locally"))
    for need in quota_needs(ctx.parameters) if quotas else []:
        checks.append(Check(_quota_id(need), f"quota {need.quota_name}", "skip", f"skipped: {why}"))
    return checks


def _skipped(ctx: WorkspaceContext, why: str, quotas: bool) -> list[Check]:
    skipped = [Check("state-bucket", "state bucket", "skip", f"skipped: {why}")]
    for need in quota_needs(ctx.parameters) if quotas else []:
        skipped.append(Check(_quota_id(need), f"quota {need.quota_name}", "skip", f"skipped: {why}"))
    return skipped


def _region_known(ctx: WorkspaceContext, aws: Aws, checks: list[Check]) -> bool:
    regions = set(aws.session.get_available_regions("sagemaker")) | set(
        aws.session.get_available_regions("sagemaker", partition_name="aws-us-gov")) | set(
        aws.session.get_available_regions("sagemaker", partition_name="aws-cn"))
    if ctx.region not in regions:
        checks.append(Check(
            "region", "region", "fail", f"{ctx.region} is not a region where SageMaker is offered",
            f"fix environments.{ctx.environment}.region in provision.yaml (for example eu-west-1)",
        ))
        return False
    return True


def _account(ctx: WorkspaceContext, aws: Aws, checks: list[Check]) -> bool:
    identity = aws.identity(ctx.region)  # raises OperationFailed: without credentials nothing else can run
    mismatch = account_mismatch(identity, ctx.account_id,
                                f"environment {ctx.environment!r} is account {ctx.account_id}", ctx.environment,
                                getattr(aws, "role_arn", None))
    if mismatch:
        checks.append(Check("account", "account", "fail", *mismatch,
                            {"expected": ctx.account_id, "actual": identity.account_id, "principal": identity.arn}))
        return False
    checks.append(Check("account", "account", "pass", f"{identity.account_id} ({identity.arn})"))
    return True


def _region_enabled(ctx: WorkspaceContext, aws: Aws, checks: list[Check]) -> bool:
    try:
        ec2 = aws.client("ec2", aws.home_region(ctx.region))  # a disabled region's own endpoint would refuse us
        regions = ec2.describe_regions(AllRegions=True, RegionNames=[ctx.region])["Regions"]
        status = regions[0].get("OptInStatus", "opt-in-not-required") if regions else "unknown"
    except Exception as exc:  # noqa: BLE001
        explained = explain(exc, f"checking region {ctx.region}")
        if explained is None:
            raise
        if is_credentials_problem(exc):
            raise OperationFailed(*explained) from None
        checks.append(Check("region", "region", "warn", f"could not verify that {ctx.region} is enabled: "
                            f"{explained[0]}", explained[1]))
        return True
    if status not in ("opt-in-not-required", "opted-in"):
        checks.append(Check(
            "region", "region", "fail", f"{ctx.region} is not enabled for account {ctx.account_id} ({status})",
            f"enable it: `aws account enable-region --region-name {ctx.region}` (or AWS console > Account > "
            "AWS Regions), or pick an enabled region in provision.yaml",
        ))
        return False
    ambient = aws.ambient_region
    if ambient and ambient != ctx.region:
        checks.append(Check(
            "region", "region", "warn",
            f"{ctx.region} is enabled, but your shell's AWS region is {ambient}: SDK calls and notebooks you run "
            "there will not see this workspace",
            f"export AWS_REGION={ctx.region} (provision itself always uses {ctx.region})",
        ))
    else:
        checks.append(Check("region", "region", "pass", f"{ctx.region} ({status})"))
    return True


def _state_bucket(ctx: WorkspaceContext, aws: Aws) -> Check:
    if ctx.env.state.backend != "s3":
        return Check("state-bucket", "state bucket", "skip", "this environment keeps its state locally")
    target = state_target(ctx.org, ctx.environment, ctx.env)
    fix = f"run `provision bootstrap {ctx.environment}`"
    try:
        result = bootstrap(aws, target, check_only=True)
    except ProvisionError as exc:
        return Check("state-bucket", "state bucket", "fail", exc.message, exc.hint or fix)
    drifts = result.drifts
    data = {"bucket": target.bucket, "region": target.region, "drift": [step.to_dict() for step in drifts]}
    if any(step.security for step in drifts):
        detail = "; ".join(f"{step.name}: {step.detail}" for step in drifts)
        return Check("state-bucket", "state bucket", "fail", f"{target.bucket} is not locked down: {detail}",
                     fix + " (it fixes these idempotently)", data)
    if drifts:
        detail = "; ".join(f"{step.name}: {step.detail}" for step in drifts)
        return Check("state-bucket", "state bucket", "warn", f"{target.bucket} is locked down; housekeeping: {detail}",
                     fix, data)
    return Check("state-bucket", "state bucket", "pass",
                 f"{target.bucket} in {target.region}: versioned, SSE-KMS, public access blocked, TLS only", "", data)


def _quota_id(need: QuotaNeed) -> str:
    usage = {"training job usage": "training", "spot training job usage": "spot-training",
             "endpoint usage": "endpoint"}.get(need.usage, need.usage)
    return f"quota:{need.instance_type}:{usage}"


def _quotas(ctx: WorkspaceContext, aws: Aws) -> list[Check]:
    needs = quota_needs(ctx.parameters)
    if not needs:
        return []
    names = {need.quota_name for need in needs}
    cache_key = ("sagemaker-quotas", ctx.region)
    try:
        known: dict[str, Quota] = aws.cache.get(cache_key) or {}
        if names - set(known):
            known = {**known, **sagemaker_quotas(aws.client("service-quotas", ctx.region), names - set(known))}
            aws.cache[cache_key] = known
    except Exception as exc:  # noqa: BLE001
        explained = explain(exc, f"reading SageMaker quotas in {ctx.region}")
        if explained is None:
            raise
        if is_credentials_problem(exc):
            raise OperationFailed(*explained) from None
        fix = explained[1]
        if error_code(exc) in ACCESS_CODES:
            fix = "grant servicequotas:ListServiceQuotas and servicequotas:ListAWSDefaultServiceQuotas to verify quotas"
        return [Check("quotas", "SageMaker quotas", "warn", f"could not verify quotas: {explained[0]}", fix)]
    return [_quota_check(need, known.get(need.quota_name), ctx.region) for need in needs]


def _quota_check(need: QuotaNeed, quota: Quota | None, region: str) -> Check:
    check_id, title = _quota_id(need), f"quota {need.quota_name}"
    data: dict[str, Any] = {"quota_name": need.quota_name, "needed": need.count, "source": need.source,
                            "region": region}
    if quota is None:
        return Check(
            check_id, title, "fail",
            f"no SageMaker quota named '{need.quota_name}' in {region}: {need.instance_type} is probably not "
            f"offered there for {need.usage}",
            f"pick another instance type ({need.type_source or 'workspace parameters'}) or another region",
            data,
        )
    current = int(quota.value) if quota.value == int(quota.value) else quota.value
    data.update({"quota_code": quota.code, "current": current, "adjustable": quota.adjustable,
                 "applied": quota.applied})
    if quota.value >= need.count:
        return Check(check_id, title, "pass", f"{current} >= {need.count} needed ({need.source})", "", data)
    if quota.adjustable:
        fix = (f"request an increase of '{need.quota_name}' ({quota.code}) to {need.count}: "
               f"{increase_command(quota, need.count, region)} (or Service Quotas console > Amazon SageMaker)")
    else:
        fix = (f"'{need.quota_name}' ({quota.code}) is not adjustable in Service Quotas: open an AWS Support case, "
               "or lower the count")
    if quota.value >= 1 and need.usage != ENDPOINT:
        fix += f"; or lower training.max_instances to {current}"
    elif quota.value >= 1:
        fix += f"; or lower the instance counts of the variants on {need.instance_type} to {current} in total"
    return Check(check_id, title, "fail",
                 f"quota is {current} in {region}, the workspace may need {need.count} ({need.source})", fix, data)
