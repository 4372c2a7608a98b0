"""Attributes whose change makes Terraform replace a resource (ForceNew in the AWS provider 6.x schema).

Only the resource types provision creates are listed. A type listed with
`ALL` is replaced on any change except those in its `UPDATABLE` entry.
Nested attributes are written dotted (`encryption_configuration.kms_key`);
a change anywhere under a listed attribute counts. This is a static table:
`provision plan` gives Terraform's own verdict.
"""

from __future__ import annotations

ALL = "*"
FORCE_NEW: dict[str, tuple[str, ...]] = {
    "aws_s3_bucket": ("bucket", "bucket_prefix", "object_lock_enabled"),
    "aws_s3_bucket_public_access_block": ("bucket",),
    "aws_s3_bucket_server_side_encryption_configuration": ("bucket", "expected_bucket_owner"),
    "aws_s3_bucket_versioning": ("bucket", "expected_bucket_owner"),
    "aws_s3_bucket_policy": ("bucket",),
    "aws_s3_bucket_logging": ("bucket", "expected_bucket_owner"),
    "aws_s3_bucket_lifecycle_configuration": ("bucket", "expected_bucket_owner"),
    "aws_s3_bucket_ownership_controls": ("bucket",),
    "aws_kms_key": ("customer_master_key_spec", "key_usage", "multi_region", "custom_key_store_id", "xks_key_id"),
    "aws_kms_alias": ("name", "name_prefix"),
    "aws_kms_key_policy": ("key_id",),
    "aws_iam_role": ("name", "name_prefix", "path"),
    "aws_iam_policy": ("name", "name_prefix", "path", "description"),
    "aws_iam_role_policy": ("name", "name_prefix", "role"),
    "aws_iam_role_policy_attachment": ("role", "policy_arn"),
    "aws_ecr_repository": ("name", "encryption_configuration"),
    "aws_ecr_lifecycle_policy": ("repository",),
    "aws_ecr_repository_policy": ("repository",),
    "aws_cloudwatch_log_group": ("name", "name_prefix", "log_group_class"),
    "aws_sns_topic": ("name", "name_prefix", "fifo_topic"),
    "aws_sns_topic_policy": ("arn",),
    "aws_sns_topic_subscription": ("topic_arn", "protocol", "endpoint"),
    "aws_budgets_budget": ("name", "name_prefix", "account_id"),
    "aws_resourcegroups_group": ("name",),
    "aws_cloudwatch_event_rule": ("name", "name_prefix", "event_bus_name"),
    "aws_cloudwatch_event_target": ("rule", "target_id", "event_bus_name"),
    "aws_cloudwatch_metric_alarm": ("alarm_name",),
    "aws_cloudwatch_dashboard": ("dashboard_name",),
    "aws_sagemaker_model_package_group": ("model_package_group_name",),
    "aws_sagemaker_model": ALL,
    "aws_sagemaker_endpoint_configuration": ALL,
    "aws_sagemaker_endpoint": ("name",),
    "aws_sagemaker_data_quality_job_definition": ALL,
    "aws_sagemaker_monitoring_schedule": ("name",),
    "aws_sagemaker_mlflow_tracking_server": ("tracking_server_name",),
    "aws_appautoscaling_target": ("resource_id", "scalable_dimension", "service_namespace"),
    "aws_appautoscaling_policy": ("name", "resource_id", "scalable_dimension", "service_namespace"),
}
# Attributes of an ALL type that update in place.
UPDATABLE: dict[str, tuple[str, ...]] = {
    "aws_sagemaker_model": ("tags", "tags_all"),
    "aws_sagemaker_endpoint_configuration": ("tags", "tags_all"),
    "aws_sagemaker_data_quality_job_definition": ("tags", "tags_all"),
}
# Attributes that are never compared (metadata, lifecycle meta-arguments, dependencies).
IGNORED = ("//", "lifecycle", "depends_on", "provider", "count", "for_each")


def forces_replacement(resource_type: str, attribute: str) -> bool | None:
    """True/False when the table knows the type; None when it does not (reported as "unknown")."""
    table = FORCE_NEW.get(resource_type)
    if table is None:
        return None
    top = attribute.split(".", 1)[0].split("[", 1)[0]
    if table == ALL:
        return top not in UPDATABLE.get(resource_type, ())
    return any(attribute == item or attribute.startswith(item + ".") or attribute.startswith(item + "[") or top == item
               for item in table)
