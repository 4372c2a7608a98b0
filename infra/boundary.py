"""The org's permission boundary for the roles workspaces create (one managed policy per account).

`provision bootstrap ENV` creates it; the deploy role may create, change or attach policies to an org role
only when the role carries it (the `iam:PermissionsBoundary` condition, provisioner/cloud/deploy_role.py),
so nothing the deploy role builds can be more powerful than this ceiling: no identity administration (IAM,
STS role assumption, Organizations, account settings), whatever the role's own policies say.
"""

from __future__ import annotations

from typing import Any


def boundary_name(org: str) -> str:
    return f"{org}-provision-workload-boundary"


def boundary_arn(org: str, account_id: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account_id}:policy/{boundary_name(org)}"


def boundary_policy(org: str, account_id: str, partition: str = "aws") -> dict[str, Any]:
    """The ceiling of every workspace role: the data plane of any service, no identity administration; passing
    the org's own roles to SageMaker (pipelines start jobs with them)."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "EverythingButIdentityAdministration", "Effect": "Allow",
         "NotAction": ["iam:*", "sts:*", "organizations:*", "account:*"], "Resource": "*"},
        {"Sid": "PassOrgRolesToSageMaker", "Effect": "Allow", "Action": ["iam:PassRole", "iam:GetRole"],
         "Resource": f"arn:{partition}:iam::{account_id}:role/{org}-*"},
        {"Sid": "WhoAmI", "Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"},
    ]}
