from __future__ import annotations

from provisioner.audit.rule import PASS, Fail, rule
from provisioner.audit.rules._common import customer_key_problem


@rule(
    id="PROV-033",
    title="EventBridge Scheduler schedules are encrypted with a customer managed key",
    why="""A schedule stores its target's input and settings (which pipeline runs, with which role); with the
    workspace's customer managed key, their use is logged and can be revoked with the key.""",
    fix="Set kms_key_arn on the aws_scheduler_schedule to the workspace key.",
    level="warning",
    resource_types=("aws_scheduler_schedule",),
    category="monitoring",
    coverage="encryption",
)
def check(schedule, config):
    problem = customer_key_problem(schedule.values.get("kms_key_arn"), config, "kms_key_arn")
    return Fail(problem) if problem else PASS
