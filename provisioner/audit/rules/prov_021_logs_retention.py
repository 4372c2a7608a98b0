from __future__ import annotations

from provisioner.audit.rule import PASS, Fail, rule


@rule(
    id="PROV-021",
    title="CloudWatch log groups expire their logs",
    why="""Without a retention period logs are kept (and billed) forever, including any data they
    echo; a blueprint chooses a retention that fits the workspace.""",
    fix="Set retention_in_days on the aws_cloudwatch_log_group (the blueprint parameter logs.retention_days).",
    level="error",
    resource_types=("aws_cloudwatch_log_group",),
    category="logs",
)
def check(group, config):
    days = group.values.get("retention_in_days")
    if isinstance(days, (int, float)) and not isinstance(days, bool) and days > 0:
        return PASS
    if isinstance(days, str) and "${" in days:
        return PASS
    return Fail("retention_in_days is not set, so logs never expire")
