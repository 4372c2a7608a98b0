"""The AWS provider settings of a local-cloud environment (`cloud: local`): plain data, no CDK import.

Every service the blueprints create resources in is sent to the sandbox through the provider's
`endpoints` block. The endpoint itself is not written into cdk.tf.json: each service's endpoint is
`var.local_cloud_endpoint`, which provision sets at plan time (TF_VAR_local_cloud_endpoint, from the
running sandbox; see provisioner.cloud.access). The synthesized config is the same whichever port the
sandbox got, and the saved plan records the value it was made with (docs/decisions/0003-local-cloud-endpoint.md).

A real environment gets none of this: its provider block names its region and allowed account only.
"""

from __future__ import annotations

ENDPOINT_VARIABLE = "local_cloud_endpoint"
# Loopback only: a local-cloud config can never be pointed at a real network address.
ENDPOINT_PATTERN = r"^http://(127\.0\.0\.1|localhost)(:[0-9]{1,5})?/?$"
# The variable's validation, as a Terraform JSON template (the pattern's backslashes doubled for HCL).
ENDPOINT_CONDITION = ('${can(regex("' + ENDPOINT_PATTERN.replace("\\", "\\\\") + '", var.' + ENDPOINT_VARIABLE
                      + '))}')

# Resource type prefix -> the provider's `endpoints` key of the service that serves it.
SERVICE_OF_PREFIX = {
    "aws_appautoscaling_": "appautoscaling",
    "aws_budgets_": "budgets",
    "aws_cloudwatch_event_": "events",
    "aws_cloudwatch_log_": "logs",
    "aws_cloudwatch_": "cloudwatch",  # after the two above: alarms and dashboards
    "aws_ecr_": "ecr",
    "aws_iam_": "iam",
    "aws_kms_": "kms",
    "aws_resourcegroups_": "resourcegroups",
    "aws_s3_": "s3",
    "aws_sagemaker_": "sagemaker",
    "aws_scheduler_": "scheduler",  # EventBridge Scheduler (the monitoring pipeline's schedule)
    "aws_sns_": "sns",
}
# STS answers the provider's own identity calls.
ENDPOINT_SERVICES = tuple(sorted({*SERVICE_OF_PREFIX.values(), "sts"}))


def service_of(resource_type: str) -> str | None:
    """The `endpoints` key that serves `resource_type`, or None when no local-cloud service does."""
    for prefix, service in SERVICE_OF_PREFIX.items():
        if resource_type.startswith(prefix):
            return service
    return None


def provider_settings(endpoint: str) -> dict:
    """AwsProvider keyword arguments (besides region and tags) of a local-cloud environment.

    `endpoint` is the value every service's endpoint takes: the Terraform variable's reference.
    No `allowed_account_ids`: the provider does not ask for the account (skip_requesting_account_id),
    and with an allowlist it would refuse the unknown account. The account id (123456789012) is in
    every ARN the stack writes, from the environment.
    No credentials either: a literal key in a config is what PROV-026 and checkov's CKV_AWS_41 forbid,
    placeholders included. provision gives Terraform the fixed test credentials in its environment, and
    takes the user's profile, keys and AWS config files away (provisioner.cloud.access).
    """
    return {
        "skip_credentials_validation": True,
        "skip_requesting_account_id": True,
        "skip_metadata_api_check": "true",
        "skip_region_validation": True,
        "s3_use_path_style": True,
        "endpoints": {service: endpoint for service in ENDPOINT_SERVICES},
    }
