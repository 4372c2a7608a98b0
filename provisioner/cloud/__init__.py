"""What AWS itself can tell before and after Terraform runs (boto3, never Terraform).

Modules, each usable without the CLI (the CLI is provisioner/cli/cloud.py and
provisioner/cli/notebooks.py):

- `aws`: `Aws` (boto3 session and clients with adaptive retries) and
  `aws_errors` (AWS errors -> one-line `OperationFailed` with a fix);
- `state_backend`: `bootstrap(aws, state_target(...))` creates or checks an
  environment's state bucket and KMS key idempotently;
- `preflight`: `run_preflight(ctx) -> list[Check]` before an apply, and
  `gate`, the pre-apply gate for provisioner.engine.gates;
- `quotas`: which SageMaker quotas a workspace needs, and their values;
- `inventory`: `take_inventory(org, environments)` finds live resources by
  `provision:*` tags, orphans, untagged ML resources and expired workspaces;
- `status`: `workspace_status(ctx)` reads one workspace's endpoints, training
  jobs, registry versions and alarms;
- `studio`: `studio_url(ctx, member, aws)`, a presigned SageMaker Studio URL
  after checking the account and the domain;
- `permissions`: the IAM actions each command needs (checked by the tests).

Importing this package does not import boto3; the functions do, when called.
"""
