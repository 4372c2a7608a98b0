from __future__ import annotations

from provisioner.audit.rule import NOT_APPLICABLE, PASS, Fail, rule
from provisioner.audit.rules._common import EVERYONE, RESOURCE_POLICY_ATTRIBUTES, account_grants

# What another account may be allowed: reading keys, objects, images and model versions. CreateModel
# creates a model in the *caller's* account from a version here; it changes nothing in this one.
READ_ONLY = (
    "kms:Decrypt", "kms:DescribeKey",
    "s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:ListBucket", "s3:GetBucketLocation",
    "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability",
    "sagemaker:DescribeModelPackageGroup", "sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages",
    "sagemaker:CreateModel",
)
_READ_ONLY = {a.lower() for a in READ_ONLY}


@rule(
    id="PROV-035",
    title="Grants to other accounts are read-only",
    why="""Model promotion lets the next environment's account read a workspace's trained models. Anything
    more (writing objects, encrypting, pushing images, approving or deleting model versions, assuming a
    role) lets another account change what this one serves or holds.""",
    fix="""Grant other accounts only the read actions model promotion needs (kms:Decrypt, kms:DescribeKey,
    s3:GetObject, image pull, sagemaker Describe/List and CreateModel), naming each action, never a wildcard.""",
    level="error",
    resource_types=tuple(RESOURCE_POLICY_ATTRIBUTES),
    category="iam",
)
def check(resource, config):
    own = config.workspace.account_id if config.workspace else ""
    if not own:
        return NOT_APPLICABLE  # without the workspace's account, "another account" is unknown
    grants = account_grants(resource, config)
    if isinstance(grants, str):
        return Fail(f"policy cannot be read: {grants}")
    others = [(label, statement, account) for label, statement, account in grants if account != own]
    if not others:
        return NOT_APPLICABLE
    problems = []
    for label, statement, account in others:
        if account == EVERYONE:
            problems.append(f"{label} is open to everyone (Principal *): a grant names the accounts it trusts")
            continue
        if statement.not_actions:
            problems.append(f"{label} gives account {account} NotAction (everything else)")
            continue
        writes = [a for a in statement.actions if a.lower() not in _READ_ONLY or any(c in a for c in "*?")]
        if writes:
            problems.append(f"{label} gives account {account} {', '.join(writes)}")
    return Fail("not read-only: " + "; ".join(problems)) if problems else PASS

