"""The AWS provider settings of a local-cloud environment (`cloud: local`): plain data, no CDK import.

provision gives Terraform `AWS_ENDPOINT_URL` (every service to the running sandbox, over http on
127.0.0.1) with the fixed test credentials, and removes the user's identity and any per-service
`AWS_ENDPOINT_URL_*` (provisioner.cloud.access). The config itself holds no port: the sandbox's endpoint
is `var.local_cloud_endpoint`, which provision sets (TF_VAR_local_cloud_endpoint) and which only this
machine passes. The provider block uses it as its `https_proxy`: every AWS endpoint is https, so a run
that reaches for real AWS (by hand, without provision's environment) is sent to the sandbox, which
refuses to proxy it; a run without the variable stops before it starts. The saved plan records the value
it was made with (docs/decisions/0003-local-cloud-endpoint.md).

The block also sets `no_proxy` to the loopback names alone. The provider (hashicorp/aws-sdk-go-base,
`Config.HTTPTransportOptions`) starts from the shell's HTTP_PROXY/HTTPS_PROXY/NO_PROXY and replaces each
with the block's value when the block sets one: without `no_proxy` in the block, a corporate
`NO_PROXY=.amazonaws.com` or `NO_PROXY=*` would exempt every AWS endpoint from the https_proxy, and a
hand-run `terraform` would reach real AWS with the shell's credentials. Loopback is never proxied anyway
(Go's httpproxy), so the value exempts nothing that was not already direct.

An `endpoints` block would name the sandbox too, but the provider spends ~2.3 s validating one, twice
per plan and per apply, whatever it holds: on the local cloud that was a third of a plan.

A real environment gets none of this: its provider block names its region and allowed account only.
"""

from __future__ import annotations

ENDPOINT_VARIABLE = "local_cloud_endpoint"
# The provider's no_proxy: only names that are never proxied anyway, so the shell's NO_PROXY cannot apply.
NO_PROXY = "127.0.0.1,localhost"
# Loopback only: a local-cloud config can never be pointed at a real network address.
ENDPOINT_PATTERN = r"^http://(127\.0\.0\.1|localhost)(:[0-9]{1,5})?/?$"
# The variable's validation, as a Terraform JSON template (the pattern's backslashes doubled for HCL).
ENDPOINT_CONDITION = ('${can(regex("' + ENDPOINT_PATTERN.replace("\\", "\\\\") + '", var.' + ENDPOINT_VARIABLE
                      + '))}')


def provider_settings(endpoint: str) -> dict:
    """AwsProvider keyword arguments (besides region and tags) of a local-cloud environment.

    `endpoint` is the Terraform variable's reference. No `allowed_account_ids`: the provider does not ask
    for the account (skip_requesting_account_id; asking would also send S3 bucket tags through S3 Control's
    account-prefixed host, which a local endpoint cannot serve), and with an allowlist it would refuse the
    unknown account. The account id (123456789012) is in every ARN the stack writes, from the environment.
    No credentials either: a literal key in a config is what PROV-026 and checkov's CKV_AWS_41 forbid,
    placeholders included; the test credentials reach Terraform through its environment only.
    """
    return {
        "https_proxy": endpoint,
        "no_proxy": NO_PROXY,
        "skip_credentials_validation": True,
        "skip_requesting_account_id": True,
        "skip_metadata_api_check": "true",
        "skip_region_validation": True,
        "s3_use_path_style": True,
    }
