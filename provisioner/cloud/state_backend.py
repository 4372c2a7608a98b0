"""The remote state of an environment: its S3 bucket and KMS key, created or checked idempotently.

`bootstrap(aws, target)` makes the bucket match the settings below, changing
only what differs, and reports one `Step` per setting; a second run reports
every step `unchanged`. `bootstrap(aws, target, check_only=True)` changes
nothing and reports what it would change: `provision preflight` uses it.

Settings of the state bucket:
- exists in the environment's state region, owned by the environment's account;
- object ownership `BucketOwnerEnforced` (ACLs off);
- all four public-access blocks on;
- versioning on (a broken state can be rolled back);
- default encryption SSE-KMS with a bucket key, under a customer-managed key
  with rotation (`alias/<org>-<env>-provision-state`); a bucket already
  encrypted with another customer key keeps it;
- a bucket policy that denies plain-HTTP requests and TLS older than 1.2;
- a lifecycle rule that expires noncurrent versions after 90 days, removes
  expired delete markers (left by S3 native state locking) and aborts stale
  multipart uploads after 7 days;
- tags `provision:org`, `provision:environment`, `provision:component=state`.

Statements, rules and tags that others added to the bucket are kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from infra.bucket_policy import tls_only_statements
from infra.naming import physical_name
from infra.resource_names import partition_for
from provisioner.cloud.aws import Aws, aws_errors, error_code, require_account
from provisioner.cloud.resources import TAG_COMPONENT, TAG_ENVIRONMENT, TAG_ORG
from provisioner.errors import InvalidInput, OperationFailed
from provisioner.models.org import Environment

STATE_COMPONENT = "provision-state"
LIFECYCLE_RULE_ID = "provision-noncurrent-versions"
NONCURRENT_VERSION_DAYS = 90
ABORT_MULTIPART_DAYS = 7
MANAGED_S3_KEY = "alias/aws/s3"

Action = Literal["created", "updated", "unchanged", "would-create", "would-update", "failed"]


@dataclass(frozen=True)
class Step:
    """One setting of the state backend and what bootstrap did (or would do) about it."""

    name: str
    action: Action
    detail: str
    security: bool = True  # False for housekeeping (lifecycle, tags): a drift there is a warning, not a failure

    @property
    def changed(self) -> bool:
        return self.action in ("created", "updated")

    @property
    def drift(self) -> bool:
        return self.action in ("would-create", "would-update", "failed")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "action": self.action, "detail": self.detail, "security": self.security}


@dataclass(frozen=True)
class StateTarget:
    """Where an environment's state lives, from provision.yaml."""

    org: str
    environment: str
    account_id: str
    bucket: str
    region: str
    key_prefix: str
    endpoint: str | None
    deploy_role_arn: str | None = None
    plan_role_arn: str | None = None
    break_glass_role_arn: str | None = None

    @property
    def kms_alias(self) -> str:
        return "alias/" + physical_name(self.org, "", self.environment, STATE_COMPONENT, "kms_alias")

    @property
    def tags(self) -> dict[str, str]:
        return {TAG_ORG: self.org, TAG_ENVIRONMENT: self.environment, TAG_COMPONENT: "state"}

    @property
    def bucket_arn(self) -> str:
        return f"arn:{partition_for(self.region)}:s3:::{self.bucket}"


def state_target(org: str, environment: str, env: Environment, file: str = "provision.yaml") -> StateTarget:
    """The state target of an environment; InvalidInput when it keeps its state locally."""
    state = env.state
    if state.backend != "s3" or not state.bucket:
        raise InvalidInput.single(
            file, f"environments.{environment}.state.backend", "uses local state: there is no remote state to bootstrap",
            "set `backend: s3` and `bucket: NAME` to share state, then run `provision bootstrap` again",
        )
    return StateTarget(org, environment, env.account_id, state.bucket, state.region or env.region,
                       state.key_prefix, state.endpoint, env.deploy_role_arn, env.plan_role_arn,
                       env.break_glass_role_arn)


@dataclass
class BootstrapResult:
    target: StateTarget
    steps: list[Step] = field(default_factory=list)
    kms_key_arn: str | None = None
    warnings: list[str] = field(default_factory=list)  # for people to review; nothing bootstrap changes

    @property
    def changed(self) -> bool:
        return any(step.changed for step in self.steps)

    @property
    def drifts(self) -> list[Step]:
        return [step for step in self.steps if step.drift]

    def backend_settings(self) -> dict[str, Any]:
        """The Terraform S3 backend settings this bucket supports (state locking by S3 lock files).

        No `kms_key_id`: state objects take the bucket's default encryption (`kms_key_arn`).
        """
        settings: dict[str, Any] = {
            "bucket": self.target.bucket,
            "key": f"{self.target.key_prefix}/<workspace>/terraform.tfstate",
            "region": self.target.region,
            "encrypt": True,
            "use_lockfile": True,
        }
        if self.target.endpoint:
            settings["endpoints"] = {"s3": self.target.endpoint}
        return settings

    def to_dict(self) -> dict[str, Any]:
        return {
            "environment": self.target.environment,
            "account_id": self.target.account_id,
            "changed": self.changed,
            "kms_alias": self.target.kms_alias,
            "kms_key_arn": self.kms_key_arn,
            "backend": self.backend_settings(),
            "steps": [step.to_dict() for step in self.steps],
            "warnings": list(self.warnings),
        }


def bootstrap(aws: Aws, target: StateTarget, *, check_only: bool = False) -> BootstrapResult:
    """Create or fix the state bucket and key (or, with check_only, report what differs).

    Raises OperationFailed when the credentials belong to another account, the
    bucket name is taken by someone else, or it lives in another region: none
    of these can be fixed by bootstrap.
    """
    result = BootstrapResult(target)
    require_account(aws, target.region, target.account_id,
                    f"environment {target.environment!r} is account {target.account_id}", target.environment)
    s3 = aws.client("s3", target.region, target.endpoint)
    with aws_errors(f"checking the state bucket {target.bucket}"):
        exists = _bucket(s3, target, check_only, result)
        if not exists:
            return result
        _ownership(s3, target, check_only, result)
        _public_access_block(s3, target, check_only, result)
        _versioning(s3, target, check_only, result)
    _encryption(aws, s3, target, check_only, result)
    with aws_errors(f"checking the state bucket {target.bucket}"):
        _tls_policy(s3, target, check_only, result)
        _access_policy(s3, target, check_only, result)
        _lifecycle(s3, target, check_only, result)
        _tags(s3, target, check_only, result)
    return result


def _change(result: BootstrapResult, name: str, check_only: bool, create: bool, detail: str,
            security: bool = True) -> None:
    if check_only:
        action: Action = "would-create" if create else "would-update"
    else:
        action = "created" if create else "updated"
    result.steps.append(Step(name, action, detail, security))


def _unchanged(result: BootstrapResult, name: str, detail: str, security: bool = True) -> None:
    result.steps.append(Step(name, "unchanged", detail, security))


def _bucket(s3: Any, target: StateTarget, check_only: bool, result: BootstrapResult) -> bool:
    from botocore.exceptions import ClientError

    try:
        reply = s3.head_bucket(Bucket=target.bucket, ExpectedBucketOwner=target.account_id)
    except ClientError as exc:
        code = error_code(exc)
        if code in ("404", "NoSuchBucket", "NotFound"):
            if check_only:
                result.steps.append(Step("bucket", "would-create", f"{target.bucket} does not exist"))
                return False
            _create_bucket(s3, target)
            result.steps.append(Step("bucket", "created", f"{target.bucket} in {target.region}"))
            return True
        if code in ("403", "AccessDenied", "Forbidden"):
            raise OperationFailed(
                f"the state bucket name {target.bucket!r} exists but account {target.account_id} cannot use it "
                "(another account owns it, or s3:ListBucket is denied)",
                f"bucket names are global: pick another environments.{target.environment}.state.bucket "
                "in provision.yaml, or grant s3:ListBucket on it",
            ) from None
        raise
    actual = reply.get("BucketRegion") or reply.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get(
        "x-amz-bucket-region")
    if actual and actual != target.region:
        raise OperationFailed(
            f"the state bucket {target.bucket!r} is in {actual}, but environment {target.environment!r} "
            f"expects it in {target.region}",
            f"set environments.{target.environment}.state.region: {actual} in provision.yaml, "
            "or pick a new bucket name for this region",
        )
    _unchanged(result, "bucket", f"{target.bucket} exists in {target.region}")
    return True


def _create_bucket(s3: Any, target: StateTarget) -> None:
    from botocore.exceptions import ClientError

    kwargs: dict[str, Any] = {"Bucket": target.bucket, "ObjectOwnership": "BucketOwnerEnforced"}
    if target.region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": target.region}
    try:
        s3.create_bucket(**kwargs)
    except ClientError as exc:
        if error_code(exc) == "BucketAlreadyExists":
            raise OperationFailed(
                f"the state bucket name {target.bucket!r} is taken by another AWS account",
                f"bucket names are global: pick another environments.{target.environment}.state.bucket in provision.yaml",
            ) from None
        if error_code(exc) != "BucketAlreadyOwnedByYou":
            raise


def _missing(exc: Exception, *codes: str) -> bool:
    from botocore.exceptions import ClientError

    return isinstance(exc, ClientError) and error_code(exc) in codes


def _ownership(s3: Any, target: StateTarget, check_only: bool, result: BootstrapResult) -> None:
    try:
        rules = s3.get_bucket_ownership_controls(Bucket=target.bucket, ExpectedBucketOwner=target.account_id)[
            "OwnershipControls"]["Rules"]
        current = rules[0]["ObjectOwnership"] if rules else None
    except Exception as exc:
        if not _missing(exc, "OwnershipControlsNotFoundError"):
            raise
        current = None
    if current == "BucketOwnerEnforced":
        _unchanged(result, "object-ownership", "BucketOwnerEnforced (ACLs disabled)")
        return
    if not check_only:
        s3.put_bucket_ownership_controls(Bucket=target.bucket, ExpectedBucketOwner=target.account_id,
                                         OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    _change(result, "object-ownership", check_only, current is None, f"{current or 'unset'} -> BucketOwnerEnforced")


PUBLIC_ACCESS_BLOCK = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                       "RestrictPublicBuckets": True}


def _public_access_block(s3: Any, target: StateTarget, check_only: bool, result: BootstrapResult) -> None:
    try:
        current = s3.get_public_access_block(Bucket=target.bucket, ExpectedBucketOwner=target.account_id)[
            "PublicAccessBlockConfiguration"]
    except Exception as exc:
        if not _missing(exc, "NoSuchPublicAccessBlockConfiguration"):
            raise
        current = {}
    off = [key for key in PUBLIC_ACCESS_BLOCK if not current.get(key)]
    if not off:
        _unchanged(result, "public-access-block", "all four blocks on")
        return
    if not check_only:
        s3.put_public_access_block(Bucket=target.bucket, ExpectedBucketOwner=target.account_id,
                                   PublicAccessBlockConfiguration=dict(PUBLIC_ACCESS_BLOCK))
    _change(result, "public-access-block", check_only, not current, f"turn on {', '.join(off)}")


def _versioning(s3: Any, target: StateTarget, check_only: bool, result: BootstrapResult) -> None:
    status = s3.get_bucket_versioning(Bucket=target.bucket, ExpectedBucketOwner=target.account_id).get("Status")
    if status == "Enabled":
        _unchanged(result, "versioning", "Enabled")
        return
    if not check_only:
        s3.put_bucket_versioning(Bucket=target.bucket, ExpectedBucketOwner=target.account_id,
                                 VersioningConfiguration={"Status": "Enabled"})
    _change(result, "versioning", check_only, status is None, f"{status or 'never enabled'} -> Enabled")


def _current_encryption(s3: Any, target: StateTarget) -> dict[str, Any]:
    try:
        rules = s3.get_bucket_encryption(Bucket=target.bucket, ExpectedBucketOwner=target.account_id)[
            "ServerSideEncryptionConfiguration"]["Rules"]
    except Exception as exc:
        if not _missing(exc, "ServerSideEncryptionConfigurationNotFoundError"):
            raise
        return {}
    if not rules:
        return {}
    rule = rules[0]
    return {**rule.get("ApplyServerSideEncryptionByDefault", {}),
            "BucketKeyEnabled": rule.get("BucketKeyEnabled", False)}


def _encryption(aws: Aws, s3: Any, target: StateTarget, check_only: bool, result: BootstrapResult) -> None:
    with aws_errors(f"checking the encryption of the state bucket {target.bucket}"):
        current = _current_encryption(s3, target)
    algorithm = current.get("SSEAlgorithm")
    key = current.get("KMSMasterKeyID")
    customer_key = bool(algorithm in ("aws:kms", "aws:kms:dsse") and key and key != MANAGED_S3_KEY)
    if customer_key:  # keep the key the bucket already uses; check it is enabled and rotates
        use_key = _verify_key(aws, target, str(key), check_only, result)
    elif check_only:
        result.steps.append(Step("encryption", "would-update",
                                 f"{algorithm or 'no default encryption'} -> SSE-KMS with customer key {target.kms_alias}"))
        return
    else:
        use_key = _ensure_key(aws, target, result)
    result.kms_key_arn = use_key
    if customer_key and current.get("BucketKeyEnabled"):
        _unchanged(result, "encryption", f"SSE-KMS with {use_key}, bucket key on")
        return
    if not check_only:
        with aws_errors(f"setting the encryption of the state bucket {target.bucket}"):
            s3.put_bucket_encryption(
                Bucket=target.bucket, ExpectedBucketOwner=target.account_id,
                ServerSideEncryptionConfiguration={"Rules": [{
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algorithm if customer_key else "aws:kms",
                                                           "KMSMasterKeyID": use_key},
                    "BucketKeyEnabled": True,
                }]},
            )
    _change(result, "encryption", check_only, not current,
            f"{algorithm or 'no default encryption'} -> SSE-KMS with {use_key}, bucket key on")


def _verify_key(aws: Aws, target: StateTarget, key: str, check_only: bool, result: BootstrapResult) -> str:
    """The ARN of the customer key the bucket already uses, after checking it is enabled and rotates."""
    from botocore.exceptions import ClientError

    kms = aws.client("kms", target.region)
    with aws_errors(f"checking the KMS key {key} of the state bucket"):
        try:
            meta = kms.describe_key(KeyId=key)["KeyMetadata"]
            rotating = meta.get("KeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT" or kms.get_key_rotation_status(
                KeyId=meta["KeyId"]).get("KeyRotationEnabled")
        except ClientError as exc:
            if error_code(exc) not in ("AccessDeniedException", "AccessDenied"):
                raise
            result.steps.append(Step("kms-key", "unchanged", f"{key}: not verified (no kms:DescribeKey on it)",
                                     security=False))
            return key
        if meta.get("KeyState") not in ("Enabled", None):
            raise OperationFailed(
                f"the state bucket's key {meta['Arn']} is {meta['KeyState']}: the state cannot be read or written",
                "enable the key (or cancel its deletion) in KMS",
            )
        if rotating:
            _unchanged(result, "kms-key", f"{meta['Arn']} enabled, rotation on")
        else:
            if not check_only:
                kms.enable_key_rotation(KeyId=meta["KeyId"])
            _change(result, "kms-key", check_only, False, f"{meta['Arn']}: turn rotation on")
    return str(meta["Arn"])


def _ensure_key(aws: Aws, target: StateTarget, result: BootstrapResult) -> str:
    """The state's customer key, found by alias or created with rotation on; returns its ARN."""
    from botocore.exceptions import ClientError

    kms = aws.client("kms", target.region)
    with aws_errors(f"checking the KMS key {target.kms_alias}"):
        try:
            meta = kms.describe_key(KeyId=target.kms_alias)["KeyMetadata"]
        except ClientError as exc:
            if error_code(exc) != "NotFoundException":
                raise
            meta = None
        if meta is not None:
            if meta.get("KeyState") not in ("Enabled", None):
                raise OperationFailed(
                    f"the state key {target.kms_alias} ({meta['Arn']}) is {meta['KeyState']}",
                    "enable it (or cancel its deletion) in KMS, or delete the alias so that bootstrap creates a new key",
                )
            if kms.get_key_rotation_status(KeyId=meta["KeyId"]).get("KeyRotationEnabled"):
                _unchanged(result, "kms-key", f"{target.kms_alias} -> {meta['Arn']}, rotation on")
            else:
                kms.enable_key_rotation(KeyId=meta["KeyId"])
                result.steps.append(Step("kms-key", "updated", f"{target.kms_alias}: rotation turned on"))
            return str(meta["Arn"])
    with aws_errors(f"creating the KMS key {target.kms_alias}"):
        created = kms.create_key(
            Description=f"Terraform state of {target.org}/{target.environment} (provision)",
            KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT",
            Tags=[{"TagKey": k, "TagValue": v} for k, v in target.tags.items()],
        )["KeyMetadata"]
        try:
            kms.enable_key_rotation(KeyId=created["KeyId"])
            kms.create_alias(AliasName=target.kms_alias, TargetKeyId=created["KeyId"])
        except Exception:
            # Without its alias the key could never be found again: do not leave it behind.
            kms.schedule_key_deletion(KeyId=created["KeyId"], PendingWindowInDays=7)
            raise
    result.steps.append(Step("kms-key", "created", f"{target.kms_alias} -> {created['Arn']}, rotation on"))
    return str(created["Arn"])


def _normal(value: Any) -> Any:
    """Policy JSON compared the way IAM means it: one-item lists equal their item, list order ignored."""
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [_normal(v) for v in value]
        if len(items) == 1:
            return items[0]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return value


def _tls_policy(s3: Any, target: StateTarget, check_only: bool, result: BootstrapResult) -> None:
    try:
        policy = json.loads(s3.get_bucket_policy(Bucket=target.bucket, ExpectedBucketOwner=target.account_id)["Policy"])
    except Exception as exc:
        if not _missing(exc, "NoSuchBucketPolicy"):
            raise
        policy = None
    wanted = tls_only_statements(target.bucket_arn)  # the workspace buckets' statements too (infra/bucket_policy.py)
    ours = {statement["Sid"] for statement in wanted}
    statements = list((policy or {}).get("Statement", []))
    if isinstance((policy or {}).get("Statement"), dict):
        statements = [policy["Statement"]]
    present = {s.get("Sid"): s for s in statements if s.get("Sid") in ours}
    wrong = sorted(s["Sid"] for s in wanted if _normal(present.get(s["Sid"])) != _normal(s))
    if not wrong:
        _unchanged(result, "tls-only-policy", "denies non-TLS and TLS < 1.2")
        return
    merged = [s for s in statements if s.get("Sid") not in ours] + wanted
    if not check_only:
        s3.put_bucket_policy(Bucket=target.bucket, ExpectedBucketOwner=target.account_id,
                             Policy=json.dumps({"Version": "2012-10-17", "Statement": merged}))
    _change(result, "tls-only-policy", check_only, policy is None, f"add or fix statements {', '.join(wrong)}")


ACCESS_SIDS = ("ProvisionOnlyItsRoles", "ProvisionPlanRoleReadsAndLocks", "ProvisionPlanRoleWritesOnlyLocksAndPlans")
PLAN_ROLE_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:GetBucketLocation", "s3:PutObject",
                     "s3:DeleteObject")


def access_statements(target: StateTarget) -> list[dict[str, Any]]:
    """Who may touch the state at all: the deploy role, the plan role (read, the lock objects and the plan store)
    and the break-glass role; every other principal of any account is denied, whatever its own policies say."""
    if not (target.deploy_role_arn and target.break_glass_role_arn):
        return []
    bucket = target.bucket_arn
    prefix = target.key_prefix.strip("/")
    objects = f"{bucket}/{prefix + '/' if prefix else ''}"
    roles = [target.deploy_role_arn, target.break_glass_role_arn] + ([target.plan_role_arn] if target.plan_role_arn
                                                                      else [])
    statements: list[dict[str, Any]] = [
        {"Sid": ACCESS_SIDS[0], "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [bucket, f"{bucket}/*"], "Condition": {"ArnNotLike": {"aws:PrincipalArn": roles}}}]
    if target.plan_role_arn:
        plan = {"ArnLike": {"aws:PrincipalArn": target.plan_role_arn}}
        statements += [
            {"Sid": ACCESS_SIDS[1], "Effect": "Deny", "Principal": "*", "NotAction": list(PLAN_ROLE_ACTIONS),
             "Resource": [bucket, f"{bucket}/*"], "Condition": plan},
            {"Sid": ACCESS_SIDS[2], "Effect": "Deny", "Principal": "*", "Action": ["s3:PutObject", "s3:DeleteObject"],
             "NotResource": [f"{objects}*.tflock", f"{objects}plans/*"], "Condition": plan},
        ]
    return statements


def _access_policy(s3: Any, target: StateTarget, check_only: bool, result: BootstrapResult) -> None:
    from infra.bucket_policy import TLS_ONLY_SID, TLS_VERSION_SID

    try:
        policy = json.loads(s3.get_bucket_policy(Bucket=target.bucket, ExpectedBucketOwner=target.account_id)["Policy"])
    except Exception as exc:
        if not _missing(exc, "NoSuchBucketPolicy"):
            raise
        policy = None
    statements = (policy or {}).get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else list(statements)
    wanted = access_statements(target)
    ours = set(ACCESS_SIDS)
    foreign = [s.get("Sid") or "(no Sid)" for s in statements
               if s.get("Sid") not in ours | {TLS_ONLY_SID, TLS_VERSION_SID}]
    if foreign:
        result.warnings.append(f"the state bucket policy has {len(foreign)} statement(s) provision did not write "
                               f"({', '.join(foreign)}): review them; bootstrap keeps them")
    if not wanted:
        result.warnings.append(f"the state of {target.environment!r} is open to every principal its account's "
                               "policies allow: set deploy_role_arn and break_glass_role_arn so that bootstrap "
                               "denies every other principal")
        return
    present = {s.get("Sid"): s for s in statements if s.get("Sid") in ours}
    detail = "denies every principal but the deploy, plan and break-glass roles"
    if {k: _normal(v) for k, v in present.items()} == {s["Sid"]: _normal(s) for s in wanted}:
        _unchanged(result, "state-access-policy", detail)
        return
    merged = [s for s in statements if s.get("Sid") not in ours] + wanted
    if not check_only:
        s3.put_bucket_policy(Bucket=target.bucket, ExpectedBucketOwner=target.account_id,
                             Policy=json.dumps({"Version": "2012-10-17", "Statement": merged}))
    _change(result, "state-access-policy", check_only, not present, detail)


def lifecycle_rule() -> dict[str, Any]:
    return {
        "ID": LIFECYCLE_RULE_ID,
        "Status": "Enabled",
        "Filter": {},
        "NoncurrentVersionExpiration": {"NoncurrentDays": NONCURRENT_VERSION_DAYS},
        "Expiration": {"ExpiredObjectDeleteMarker": True},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABORT_MULTIPART_DAYS},
    }


def _rule_matches(rule: dict[str, Any] | None) -> bool:
    if rule is None:
        return False
    wanted = lifecycle_rule()
    filter_ = rule.get("Filter", {"Prefix": rule.get("Prefix", "")})
    return (
        rule.get("Status") == "Enabled"
        and filter_ in ({}, {"Prefix": ""})
        and rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays") == NONCURRENT_VERSION_DAYS
        and rule.get("Expiration") == wanted["Expiration"]
        and rule.get("AbortIncompleteMultipartUpload") == wanted["AbortIncompleteMultipartUpload"]
    )


def _lifecycle(s3: Any, target: StateTarget, check_only: bool, result: BootstrapResult) -> None:
    try:
        rules = s3.get_bucket_lifecycle_configuration(Bucket=target.bucket, ExpectedBucketOwner=target.account_id)[
            "Rules"]
    except Exception as exc:
        if not _missing(exc, "NoSuchLifecycleConfiguration"):
            raise
        rules = []
    ours = next((rule for rule in rules if rule.get("ID") == LIFECYCLE_RULE_ID), None)
    detail = (f"noncurrent versions expire after {NONCURRENT_VERSION_DAYS} days, expired delete markers removed, "
              f"incomplete uploads aborted after {ABORT_MULTIPART_DAYS} days")
    if _rule_matches(ours):
        _unchanged(result, "lifecycle", detail, security=False)
        return
    if not check_only:
        merged = [rule for rule in rules if rule.get("ID") != LIFECYCLE_RULE_ID] + [lifecycle_rule()]
        s3.put_bucket_lifecycle_configuration(Bucket=target.bucket, ExpectedBucketOwner=target.account_id,
                                              LifecycleConfiguration={"Rules": merged})
    _change(result, "lifecycle", check_only, ours is None, detail, security=False)


def _tags(s3: Any, target: StateTarget, check_only: bool, result: BootstrapResult) -> None:
    try:
        current = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(
            Bucket=target.bucket, ExpectedBucketOwner=target.account_id)["TagSet"]}
    except Exception as exc:
        if not _missing(exc, "NoSuchTagSet"):
            raise
        current = {}
    wrong = {k: v for k, v in target.tags.items() if current.get(k) != v}
    if not wrong:
        _unchanged(result, "tags", ", ".join(f"{k}={v}" for k, v in target.tags.items()), security=False)
        return
    if not check_only:
        merged = {**current, **target.tags}
        s3.put_bucket_tagging(Bucket=target.bucket, ExpectedBucketOwner=target.account_id,
                              Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in sorted(merged.items())]})
    _change(result, "tags", check_only, not current, ", ".join(f"{k}={v}" for k, v in wrong.items()), security=False)
