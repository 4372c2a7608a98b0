"""GitHub Actions' OIDC identity provider in an environment's account, and the trust statements that use it.

A workflow job asks GitHub for a token whose `sub` names the repository and what the job runs for:
`repo:<owner>/<repo>:pull_request` for a pull request's jobs, `repo:<owner>/<repo>:environment:<env>` for a
job in the GitHub environment `<env>` (whose required reviewers GitHub enforces before the job starts). A
role's trust that matches `sub` exactly (StringEquals, never a wildcard) and `aud = sts.amazonaws.com` can be
assumed by those jobs and by nothing else GitHub issues tokens for (GitHub's OIDC docs, "Configuring the
role and trust policy").
"""

from __future__ import annotations

from typing import Any

from provisioner.cloud.aws import error_code

HOST = "token.actions.githubusercontent.com"
URL = f"https://{HOST}"
AUDIENCE = "sts.amazonaws.com"
# GitHub's published certificate thumbprints; IAM no longer checks them for this provider (it trusts the
# provider's certificate authority), but the API still takes a list.
THUMBPRINTS = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]


def provider_arn(partition: str, account_id: str) -> str:
    return f"arn:{partition}:iam::{account_id}:oidc-provider/{HOST}"


def pull_request_subject(repository: str) -> str:
    return f"repo:{repository}:pull_request"


def environment_subject(repository: str, environment: str) -> str:
    return f"repo:{repository}:environment:{environment}"


def web_identity_statement(provider: str, subject: str, sid: str) -> dict[str, Any]:
    """Trust for GitHub jobs whose token names exactly `subject`, issued for AWS STS."""
    return {"Sid": sid, "Effect": "Allow", "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{HOST}:aud": AUDIENCE, f"{HOST}:sub": subject}}}


def ensure_provider(iam: Any, arn: str, check_only: bool) -> tuple[str, str, str]:
    """Create GitHub's OIDC provider if the account lacks it; add the STS audience if it is missing."""
    step = "GitHub OIDC provider"
    try:
        current = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    except Exception as exc:
        if error_code(exc) != "NoSuchEntity":
            raise
        if check_only:
            return step, "would-create", arn
        iam.create_open_id_connect_provider(Url=URL, ClientIDList=[AUDIENCE], ThumbprintList=THUMBPRINTS,
                                            Tags=[{"Key": "provision:component", "Value": "github-oidc"}])
        return step, "created", f"{arn} (audience {AUDIENCE})"
    if AUDIENCE in current.get("ClientIDList", []):
        return step, "unchanged", arn
    if check_only:
        return step, "would-update", f"{arn}: add audience {AUDIENCE}"
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID=AUDIENCE)
    return step, "updated", f"{arn}: audience {AUDIENCE} added"
