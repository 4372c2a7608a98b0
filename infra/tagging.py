"""The workspace's tags on every taggable resource, in the resource's own `tags`.

Pure Python (no cdktn, no provisioner imports): the tool reads the tag keys and taggable types from here.
A resource is taggable when its Terraform type is in `TAGGABLE`. The tags are
written into each resource's own `tags`; the provider's `default_tags` are not
used, since tags there appear on no resource in cdk.tf.json, where the audit
and checkov look for them.

Merge order, last wins: the spec's extra tags, then tags a construct gives the
resource itself, then the standard `provision:*`/owner/team tags, so nothing
can override a standard tag (the models already reject such spec tags).

Why not a cdktn aspect (or a pass over the finished tree): an aspect costs a
node-to-Python callback per construct and a pass a write per resource, about
half of a workspace's jsii traffic. `infra.stack_build.add_resource` puts the
merged tags into each resource's config when it is created, at no extra cost;
tests/infra/test_tagging.py checks every taggable resource of every example.
"""

from __future__ import annotations

from collections.abc import Mapping

TAG_ORG = "provision:org"
TAG_WORKSPACE = "provision:workspace"
TAG_ENVIRONMENT = "provision:environment"
TAG_BLUEPRINT = "provision:blueprint"
TAG_OWNER = "owner"
TAG_TEAM = "team"
# The tags the tool owns on every resource of a workspace (a spec may not set them): the one list of the
# tool, read by the workspace model, the audit and the live-resource queries.
STANDARD_TAG_KEYS = (TAG_ORG, TAG_WORKSPACE, TAG_ENVIRONMENT, TAG_BLUEPRINT, TAG_OWNER, TAG_TEAM)

# Terraform types that accept `tags` (AWS provider 6.x): the stack writes the workspace's tags into each
# one's own `tags`, and the audit (PROV-025, the tagging table) expects them there. tests/infra/test_tagging.py
# checks the list against the cdktn bindings.
TAGGABLE = frozenset({
    "aws_s3_bucket", "aws_kms_key", "aws_iam_role", "aws_iam_policy", "aws_ecr_repository",
    "aws_cloudwatch_log_group", "aws_sns_topic", "aws_budgets_budget", "aws_resourcegroups_group",
    "aws_cloudwatch_event_rule", "aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm",
    "aws_sagemaker_model_package_group", "aws_sagemaker_model", "aws_sagemaker_endpoint_configuration",
    "aws_sagemaker_endpoint", "aws_sagemaker_data_quality_job_definition", "aws_sagemaker_monitoring_schedule",
    "aws_sagemaker_mlflow_tracking_server", "aws_sagemaker_pipeline", "aws_sagemaker_domain",
    "aws_sagemaker_user_profile", "aws_sagemaker_space", "aws_sagemaker_notebook_instance",
    "aws_appautoscaling_target", "aws_kms_replica_key", "aws_iam_user", "aws_sqs_queue", "aws_lambda_function",
    "aws_scheduler_schedule_group", "aws_security_group", "aws_vpc_endpoint", "aws_secretsmanager_secret",
    "aws_ssm_parameter", "aws_dynamodb_table", "aws_s3_object",
})


class TagRule:
    """`standard`: the tags the tool owns (the resolved workspace's `standard_tags`); `extra`: the spec's."""

    def __init__(self, standard: Mapping[str, str], extra: Mapping[str, str]) -> None:
        if not standard:
            raise ValueError("a workspace's resources need its standard tags")
        self.standard = dict(standard)
        self.extra = dict(extra)

    def tags_for(self, own: Mapping[str, str]) -> dict[str, str]:
        """The tags of a resource that a construct gave `own` tags."""
        merged = {**self.extra, **own, **self.standard}
        return dict(sorted(merged.items()))
