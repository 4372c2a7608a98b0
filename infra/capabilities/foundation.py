"""foundation: the key, buckets, image repository, execution role, alerts, budget and resource group.

Every workspace has it. It creates the parts the other capabilities build on
(see `WorkspaceParts`) and two IAM identities:
- the execution role SageMaker assumes (read data, read/write artifacts,
  pull images, write the workspace log group);
- the workspace access policy for the people and CI of the workspace
  (read/write data and artifacts, push images, read logs). Later capabilities
  add their statements to it (training adds the guarded CreateTrainingJob).
"""

from __future__ import annotations

from infra.capabilities._base import WorkspaceParts, capability
from infra.constructs._base import statement
from infra.constructs.alert_topic import AlertTopic
from infra.constructs.budget import Budget
from infra.constructs.customer_key import CustomerKey
from infra.constructs.execution_role import ExecutionRole
from infra.constructs.image_repository import ImageRepository
from infra.constructs.log_group import LogGroup
from infra.constructs.managed_policy import ManagedPolicy
from infra.constructs.resource_group import ResourceGroup
from infra.constructs.secure_bucket import SecureBucket
from infra.stack_build import ref
from infra.tagging import TAG_ORG, TAG_WORKSPACE

ACCESS_LOG_DAYS = 365  # S3 server access logs are kept a year, then expire
DEFAULT_NONCURRENT_DAYS = 90
DEFAULT_LOG_RETENTION_DAYS = 30

ENI_DESCRIBE = ("ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs", "ec2:DescribeDhcpOptions", "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups")
ENI_MANAGE = ("ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
              "ec2:DeleteNetworkInterfacePermission")


@capability("foundation")
def build(parts: WorkspaceParts) -> None:
    _storage(parts)
    _operations(parts)
    _execution_role(parts)
    _access_policy(parts)
    _cost_controls(parts)
    parts.note_for_aws(f"alerts go to {parts.ctx.owner} once they confirm the subscription email AWS sends")
    parts.note_for_aws(f"activate the cost allocation tag `{TAG_WORKSPACE}` in the Billing console, "
                       "or the budget tracks no cost")
    _outputs(parts)


def _storage(parts: WorkspaceParts) -> None:
    """The workspace key, then the access-log bucket and the data and artifacts buckets it encrypts."""
    ctx, names, scope = parts.ctx, parts.names, parts.scope
    account, partition = ctx.account_id, names.partition
    noncurrent_days = int(ctx.param("data.noncurrent_version_days", DEFAULT_NONCURRENT_DAYS))
    parts.key = key = CustomerKey(
        scope, "key", alias=names.key_alias, account_id=account, region=ctx.region, partition=partition,
        description=f"provision workspace {ctx.name} ({ctx.org}/{ctx.environment})",
    )
    parts.access_logs = access_logs = SecureBucket(
        scope, "access_logs", name=names.access_logs_bucket, account_id=account, partition=partition,
        key=None, access_logs=None, noncurrent_version_days=noncurrent_days, expire_days=ACCESS_LOG_DAYS,
    )
    parts.data = SecureBucket(
        scope, "data", name=names.data_bucket, account_id=account, partition=partition,
        key=key, access_logs=access_logs, noncurrent_version_days=noncurrent_days,
    )
    parts.artifacts = SecureBucket(
        scope, "artifacts", name=names.artifacts_bucket, account_id=account, partition=partition,
        key=key, access_logs=access_logs, noncurrent_version_days=noncurrent_days,
    )


def _operations(parts: WorkspaceParts) -> None:
    """The log group, the alert topic and the image repository, all under the workspace key."""
    ctx, names, scope, key = parts.ctx, parts.names, parts.scope, parts.key
    parts.log_group = LogGroup(
        scope, "logs", name=names.log_group, arn=names.log_group_arn, key=key,
        retention_days=int(ctx.param("logs.retention_days", DEFAULT_LOG_RETENTION_DAYS)),
    )
    parts.topic = AlertTopic(
        scope, "alerts", name=names.alert_topic, arn=names.alert_topic_arn, key=key, account_id=ctx.account_id,
        emails=[ctx.owner],
    )
    parts.images = ImageRepository(
        scope, "images", name=names.image_repository, arn=names.image_repository_arn, key=key)


def _execution_role(parts: WorkspaceParts) -> None:
    """The role SageMaker assumes: read data, read/write artifacts, pull images, write logs (and the VPC's ENIs)."""
    ctx, names = parts.ctx, parts.names
    parts.role = role = ExecutionRole(
        parts.scope, "execution_role", name=names.execution_role, policy_name=names.execution_policy,
        account_id=ctx.account_id, partition=names.partition,
        description=f"SageMaker execution role of provision workspace {ctx.name} ({ctx.environment})",
    )
    parts.data.grant_read(role)
    parts.artifacts.grant_read_write(role)
    parts.images.grant_pull(role)
    parts.log_group.grant_write(role)
    if ctx.env.subnet_ids:
        grant_vpc_network_interfaces(parts, role)


def _access_policy(parts: WorkspaceParts) -> None:
    """The policy for the workspace's people and CI; later capabilities add their statements to it."""
    ctx, names = parts.ctx, parts.names
    parts.access = access = ManagedPolicy(
        parts.scope, "access_policy", name=names.access_policy,
        description=f"Access to provision workspace {ctx.name} ({ctx.environment}) for its people and CI",
        part_name=names.access_policy_part,
    )
    parts.data.grant_read_write(access)
    parts.artifacts.grant_read_write(access)
    parts.images.grant_push(access)
    parts.log_group.grant_read(access)


def _cost_controls(parts: WorkspaceParts) -> None:
    """The monthly budget (the org maximum when the blueprint sets none) and the workspace's resource group."""
    ctx, names, scope = parts.ctx, parts.names, parts.scope
    monthly = ctx.param("budget.monthly_usd")
    if monthly is None:
        monthly = ctx.guardrails.max_monthly_budget_usd
        parts.note(f"blueprint has no budget.monthly_usd: budget set to the org maximum (${monthly:g})")
    Budget(
        scope, "budget", name=names.budget, account_id=ctx.account_id, monthly_usd=float(monthly),
        tag_key=TAG_WORKSPACE, tag_value=ctx.name, emails=[ctx.owner], topic=parts.topic,
    )
    ResourceGroup(
        scope, "resource_group", name=names.resource_group,
        tags={TAG_WORKSPACE: ctx.name, TAG_ORG: ctx.org},
        description=f"Resources of provision workspace {ctx.name} in {ctx.environment}",
    )


def _outputs(parts: WorkspaceParts) -> None:
    key, role, access, images, topic = parts.key, parts.role, parts.access, parts.images, parts.topic
    parts.output("key_arn", key.arn, "ARN of the workspace KMS key")
    parts.output("key_alias", key.alias_name, "Alias of the workspace KMS key")
    parts.output("data_bucket", parts.data.name, "S3 bucket for the workspace's data")
    parts.output("artifacts_bucket", parts.artifacts.name, "S3 bucket for code, checkpoints and model artifacts")
    parts.output("access_logs_bucket", parts.access_logs.name, "S3 bucket receiving the buckets' access logs")
    parts.output("execution_role_arn", ref(role.resource, "arn"), "Role SageMaker assumes for the workspace's jobs")
    parts.output("access_policy_arn", access.arn, "Managed policy to attach to the workspace's people and CI "
                 "(with any further parts in access_policy_arns)")
    parts.output("image_repository_url", images.url, "ECR repository for the workspace's images")
    parts.output("alert_topic_arn", topic.arn, "SNS topic receiving the workspace's alerts")
    parts.output("log_group_name", parts.log_group.name, "CloudWatch log group of the workspace")


def grant_vpc_network_interfaces(parts: WorkspaceParts, role: ExecutionRole) -> None:
    """Jobs in the environment's VPC need network interfaces in its subnets and security groups."""
    ctx, names = parts.ctx, parts.names
    ec2 = f"arn:{names.partition}:ec2:{ctx.region}:{ctx.account_id}"
    interfaces = f"{ec2}:network-interface/*"
    network = [f"{ec2}:subnet/{s}" for s in ctx.env.subnet_ids]
    network += [f"{ec2}:security-group/{g}" for g in ctx.env.security_group_ids]
    role.add_to_policy(
        # Describe calls support no resource-level permissions.
        statement("DescribeJobNetwork", ENI_DESCRIBE, "*"),
        statement("CreateJobNetworkInterfaces", "ec2:CreateNetworkInterface", [interfaces, *network]),
        statement("ManageJobNetworkInterfaces", ENI_MANAGE, interfaces),
    )
