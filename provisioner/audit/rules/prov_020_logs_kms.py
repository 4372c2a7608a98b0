from __future__ import annotations

from provisioner.audit.rule import PASS, Fail, rule
from provisioner.audit.rules._common import customer_key_problem


@rule(
    id="PROV-020",
    title="CloudWatch log groups are encrypted with a customer key",
    why="""Training and inference logs often echo data, hyperparameters and stack traces. Encrypting them
    with the workspace key puts them under the same access control as the data.""",
    fix="""Set kms_key_id on the aws_cloudwatch_log_group to the workspace key's ARN (the key policy must
    allow the logs.<region>.amazonaws.com service principal).""",
    level="error",
    resource_types=("aws_cloudwatch_log_group",),
    category="logs",
    coverage="encryption",
)
def check(group, config):
    problem = customer_key_problem(group.values.get("kms_key_id"), config, "kms_key_id")
    return Fail(problem) if problem else PASS
