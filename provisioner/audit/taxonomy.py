"""Facts about the Terraform resource types a workspace uses (AWS provider 6.x).

Kept in one place so that the rules, the inventory, the coverage tables and
the upgrade diff agree.
"""

from __future__ import annotations

from provisioner.models.blueprint import CAPABILITIES

# Types that hold data or long-lived identity: replacing or removing one loses something. The one list of
# the tool: the audit's diff and upgrade preview, and the plan summary (provisioner.engine.summary), read it.
STATEFUL = {
    "aws_s3_bucket": "objects in the bucket",
    "aws_kms_key": "everything encrypted with the key becomes unreadable once it is deleted",
    "aws_kms_alias": "the name by which configs and people find the key",
    "aws_ecr_repository": "container images",
    "aws_cloudwatch_log_group": "log history",
    "aws_sagemaker_model_package_group": "registered model versions and their approval history",
    "aws_sagemaker_feature_group": "feature records",
    "aws_sagemaker_domain": "Studio users' home folders and settings",
    "aws_sagemaker_mlflow_tracking_server": "the MLflow server's endpoint (experiments live in its artifact store)",
    "aws_sns_topic": "confirmed subscriptions (owners must confirm again)",
    "aws_sagemaker_endpoint": "a live endpoint (replacement means downtime)",
    "aws_dynamodb_table": "table items",
    "aws_efs_file_system": "files",
    "aws_db_instance": "the database",
    "aws_rds_cluster": "the database",
    "aws_secretsmanager_secret": "the secret's value and versions",
}

# Capability of a type when the construct path does not say (cdktn path `<stack>/<capability>/...`).
CAPABILITY_BY_TYPE = {
    "aws_sagemaker_model_package_group": "registry",
    "aws_sagemaker_model": "serving",
    "aws_sagemaker_endpoint_configuration": "serving",
    "aws_sagemaker_endpoint": "serving",
    "aws_appautoscaling_target": "serving",
    "aws_appautoscaling_policy": "serving",
    "aws_sagemaker_data_quality_job_definition": "monitoring",
    "aws_sagemaker_monitoring_schedule": "monitoring",
    "aws_cloudwatch_dashboard": "monitoring",
    "aws_cloudwatch_metric_alarm": "monitoring",
    "aws_sagemaker_mlflow_tracking_server": "experiments",
}
# The blueprint model's capabilities (the one list of the tool), and "other" for what belongs to none.
CAPABILITY_ORDER = (*CAPABILITIES, "other")

