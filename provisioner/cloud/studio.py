"""A presigned SageMaker Studio URL for a workspace member, after checking what AWS can tell first.

    url = studio_url(ctx, "carol@example.com", Aws())   # -> StudioUrl (url, profile, domain, warnings)

Before asking for the URL it reads the domain (sagemaker:DescribeDomain): it
refuses a domain that does not exist, is being deleted or failed, or signs in
through IAM Identity Center (no presigned URLs there), and it warns about what
the workspace cannot set itself: a domain without a customer KMS key (space
volumes) or, in a VPC environment, one whose apps have direct internet access
(not `VpcOnly`). Nothing here prints; the CLI is provisioner/cli/notebooks.py.
boto3 is imported when a URL is asked for, not with this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from provisioner.errors import OperationFailed
from provisioner.models.org import ORG_FILE

if TYPE_CHECKING:
    from provisioner.cloud.aws import Aws
    from provisioner.models.resolved import WorkspaceContext

DEFAULT_EXPIRES_SECONDS = 300  # SageMaker's default and maximum for a presigned domain URL
UNUSABLE_DOMAIN_STATUS = ("Deleting", "Failed", "Delete_Failed")


@dataclass(frozen=True)
class StudioUrl:
    workspace: str
    member: str
    user_profile: str
    domain_id: str
    url: str
    expires_in_seconds: int
    space: str | None = None
    warnings: list[str] = field(default_factory=list)



def studio_url(ctx: "WorkspaceContext", member: str, aws: "Aws", *, shared_space: bool = False,
               expires_in_seconds: int = DEFAULT_EXPIRES_SECONDS) -> StudioUrl:
    """Check the account and the domain, then ask SageMaker for a presigned URL of the member's profile."""
    from botocore.exceptions import ClientError

    from infra.studio_names import member_profile_name, shared_space_name
    from provisioner.cloud.aws import aws_errors, error_code
    from provisioner.ds.workspace import check_account

    assert ctx.env.studio is not None  # the notebooks checks reject a workspace without a domain
    domain_id = ctx.env.studio.domain_id
    where = f"environments.{ctx.environment}.studio.domain_id in {ORG_FILE}"
    check_account(aws, ctx)
    client = aws.client("sagemaker", ctx.region)
    with aws_errors(f"reading Studio domain {domain_id}"):
        try:
            domain = client.describe_domain(DomainId=domain_id)
        except ClientError as exc:
            # AWS answers ResourceNotFound; moto a ValidationException "Could not find domain".
            if error_code(exc) == "ResourceNotFound" or "could not find domain" in str(exc).lower():
                raise OperationFailed(
                    f"Studio domain {domain_id} ({where}) does not exist in account {ctx.account_id}, {ctx.region}",
                    f"list the domains with `aws sagemaker list-domains --region {ctx.region}` and fix {where}",
                ) from None
            raise
    status = domain.get("Status", "")
    if status in UNUSABLE_DOMAIN_STATUS:
        raise OperationFailed(f"Studio domain {domain_id} is {status}: {domain.get('FailureReason') or 'no reason given'}",
                              f"ask your platform team to repair the domain or change {where}")
    if domain.get("AuthMode") == "SSO":
        raise OperationFailed(
            f"Studio domain {domain_id} signs users in through IAM Identity Center, which has no presigned URLs",
            "open Studio from your AWS access portal instead",
        )
    warnings = []
    if not domain.get("KmsKeyId"):
        warnings.append(f"domain {domain_id} has no customer KMS key: space volumes are encrypted with an "
                        "AWS-owned key; ask your platform team for a domain with a customer key")
    if ctx.env.subnet_ids and domain.get("AppNetworkAccessType") != "VpcOnly":
        warnings.append(f"domain {domain_id} is {domain.get('AppNetworkAccessType', 'PublicInternetOnly')}: Studio apps "
                        f"have direct internet access although environment {ctx.environment} is a VPC environment; "
                        "ask your platform team to make the domain VpcOnly")

    profile = member_profile_name(ctx.org, ctx.name, ctx.environment, member)
    request = {"DomainId": domain_id, "UserProfileName": profile, "ExpiresInSeconds": expires_in_seconds}
    space = shared_space_name(ctx.org, ctx.name, ctx.environment) if shared_space else None
    if space:
        request["SpaceName"] = space
    with aws_errors(f"creating a Studio URL for {member} ({profile})"):
        try:
            reply = client.create_presigned_domain_url(**request)
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFound":
                what = f"space {space} or profile {profile}" if space else f"profile {profile}"
                raise OperationFailed(
                    f"{member}'s Studio {what} does not exist in domain {domain_id} yet",
                    f"apply the workspace first (`provision apply {ctx.name}`), then retry",
                ) from None
            raise
    return StudioUrl(ctx.name, member, profile, domain_id, reply["AuthorizedUrl"], expires_in_seconds, space, warnings)
