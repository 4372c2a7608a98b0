from __future__ import annotations

from provisioner.audit.rule import NOT_APPLICABLE, PASS, Fail, rule

ATTRIBUTES = {
    "aws_iam_role": "managed_policy_arns",
    "aws_iam_role_policy_attachment": "policy_arn",
    "aws_iam_policy_attachment": "policy_arn",
    "aws_iam_user_policy_attachment": "policy_arn",
    "aws_iam_group_policy_attachment": "policy_arn",
    "aws_iam_role_policy_attachments_exclusive": "policy_arns",
}


def _aws_managed(arn: str) -> bool:
    return ":iam::aws:policy/" in arn


@rule(
    id="PROV-010",
    title="No AWS managed IAM policies are attached",
    why="""AWS managed policies such as AmazonSageMakerFullAccess grant far more than a workspace needs
    (every bucket, every endpoint in the account) and change when AWS updates them.""",
    fix="Replace the attachment with a customer managed policy built from grant methods on the workspace's resources.",
    level="error",
    resource_types=tuple(ATTRIBUTES),
    category="iam",
)
def check(resource, config):
    value = resource.values.get(ATTRIBUTES[resource.type])
    if value in (None, "", []):
        return NOT_APPLICABLE
    arns = value if isinstance(value, list) else [value]
    managed = sorted(a.rsplit("/", 1)[-1] for a in arns if isinstance(a, str) and _aws_managed(a))
    if managed:
        return Fail(f"attaches AWS managed {'policy' if len(managed) == 1 else 'policies'} {', '.join(managed)}")
    return PASS
