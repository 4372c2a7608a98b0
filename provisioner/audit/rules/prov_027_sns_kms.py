from __future__ import annotations

from provisioner.audit.rule import PASS, Fail, rule
from provisioner.audit.rules._common import customer_key_problem


@rule(
    id="PROV-027",
    title="SNS topics are encrypted with a customer key",
    why="""Alert topics carry resource names and error details. The AWS managed aws/sns key cannot be
    used by CloudWatch alarms or Budgets to publish, so a customer key is both safer and required.""",
    fix="""Set kms_master_key_id on the aws_sns_topic to the workspace key (whose policy allows
    cloudwatch.amazonaws.com and budgets.amazonaws.com to use it).""",
    level="error",
    resource_types=("aws_sns_topic",),
    category="sns",
    coverage="encryption",
)
def check(topic, config):
    problem = customer_key_problem(topic.values.get("kms_master_key_id"), config, "kms_master_key_id")
    return Fail(problem) if problem else PASS
