"""The deploy role of an environment: what every `provision` command (and Terraform) assumes in its account.

`provision bootstrap ENV` creates it idempotently, with the shell's credentials (an administrator of the
account, once), when the environment has a `deploy_role_arn`:

- trust: the principals in the environment's `deploy_role_trust` (a CI role, an admin role), with the
  environment's `external_id` as a condition when it has one;
- permissions: the managed policy `<org>-provision-deploy` (below), which is also its permission boundary.

What the role may do, and why (the policy text is `deploy_policy()`):

- create and change what the shipped blueprints create, and only that: S3 buckets, KMS keys, ECR
  repositories, SageMaker (registry, models, endpoints, monitoring, MLflow, Studio profiles), SNS,
  CloudWatch (logs, alarms, dashboards), EventBridge rules, budgets, resource groups, application
  autoscaling, and the read-only calls `provision` makes (tags, EC2 network descriptions, quotas, STS);
- IAM only for the org's own roles and policies (`<org>-*`): the workspaces' execution roles and access
  policies, and passing those roles to SageMaker; SageMaker's and autoscaling's service-linked roles;
- never: IAM users, groups, access keys or login profiles, identity providers, account or
  organization administration, or changing its own permission boundary (explicit denies, which no
  other policy can lift).

What the boundary cannot see is the *content* of the policies the role writes for the org's roles; the
audit gates that before any apply (PROV-010, PROV-011, PROV-012, PROV-034, PROV-035).
"""

from __future__ import annotations

import json
from typing import Any

from infra.resource_names import partition_for
from provisioner.cloud.aws import Aws, aws_errors, error_code
from provisioner.errors import InvalidInput

# Services the shipped blueprints create resources in (infra/constructs), all actions.
BLUEPRINT_SERVICES = ("s3", "kms", "ecr", "sagemaker", "sns", "logs", "cloudwatch", "events", "budgets",
                      "resource-groups", "application-autoscaling")
READ_ONLY = ("tag:GetResources", "ec2:Describe*", "servicequotas:Get*", "servicequotas:List*",
             "sts:GetCallerIdentity", "iam:Get*", "iam:List*")
ORG_IAM = ("iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole",
           "iam:UntagRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy",
           "iam:DetachRolePolicy", "iam:CreatePolicy", "iam:DeletePolicy", "iam:CreatePolicyVersion",
           "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:TagPolicy", "iam:UntagPolicy")
NEVER = ("iam:CreateUser", "iam:DeleteUser", "iam:UpdateUser", "iam:CreateAccessKey", "iam:UpdateAccessKey",
         "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:AttachUserPolicy", "iam:PutUserPolicy",
         "iam:AddUserToGroup", "iam:CreateGroup", "iam:AttachGroupPolicy", "iam:PutGroupPolicy",
         "iam:CreateOpenIDConnectProvider", "iam:CreateSAMLProvider", "iam:UpdateAccountPasswordPolicy",
         "iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary", "organizations:*", "account:*")


def policy_name(org: str) -> str:
    return f"{org}-provision-deploy"


def deploy_policy(org: str, account_id: str, region: str) -> dict[str, Any]:
    """The deploy role's permissions, which are also its permission boundary (see the module docstring)."""
    partition = partition_for(region)
    iam = f"arn:{partition}:iam::{account_id}"
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "BlueprintServices", "Effect": "Allow", "Action": [f"{s}:*" for s in BLUEPRINT_SERVICES],
         "Resource": "*"},
        {"Sid": "ReadOnly", "Effect": "Allow", "Action": list(READ_ONLY), "Resource": "*"},
        {"Sid": "OrgRolesAndPolicies", "Effect": "Allow", "Action": list(ORG_IAM),
         "Resource": [f"{iam}:role/{org}-*", f"{iam}:policy/{org}-*"]},
        {"Sid": "PassOrgRolesToSageMaker", "Effect": "Allow", "Action": "iam:PassRole",
         "Resource": f"{iam}:role/{org}-*",
         "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}},
        {"Sid": "ServiceLinkedRoles", "Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*",
         "Condition": {"StringEquals": {"iam:AWSServiceName": ["sagemaker.amazonaws.com",
                                                               "sagemaker.application-autoscaling.amazonaws.com"]}}},
        {"Sid": "NoUsersOrOrganizationAdministration", "Effect": "Deny", "Action": list(NEVER), "Resource": "*"},
        {"Sid": "NoChangeToTheDeployPolicy", "Effect": "Deny",
         "Action": ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
                    "iam:SetDefaultPolicyVersion"],
         "Resource": f"{iam}:policy/{policy_name(org)}"},
    ]}


def trust_policy(principals: list[str], external_id: str | None,
                 github: dict[str, Any] | None = None) -> dict[str, Any]:
    """Who may assume the deploy role: the named principals (with the external id, if any), and the
    GitHub jobs of the environment (`github`: a `github_oidc.web_identity_statement`)."""
    statements: list[dict[str, Any]] = []
    if principals:
        statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"AWS": principals[0] if len(principals) == 1
                                                                      else list(principals)},
                                     "Action": "sts:AssumeRole"}
        if external_id:
            statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
        statements.append(statement)
    if github:
        statements.append(github)
    return {"Version": "2012-10-17", "Statement": statements}


def validate(environment: str, env: Any, file: str = "provision.yaml", repository: str | None = None) -> None:
    """What bootstrap needs to create the deploy role, checked before anything is created (exit 2)."""
    if not env.deploy_role_arn:
        return
    if not env.deploy_role_trust and not repository:
        raise InvalidInput.single(file, f"environments.{environment}.deploy_role_trust",
                                  "no principal may assume the deploy role bootstrap would create",
                                  "name the CI and admin roles, for example [arn:aws:iam::123456789012:role/ci], "
                                  "or set github_repository: OWNER/NAME to let that repository's workflow in")
    account = env.deploy_role_arn.split(":")[4]
    if account != env.account_id:
        raise InvalidInput.single(file, f"environments.{environment}.deploy_role_arn",
                                  f"the role is in account {account}, the environment is account {env.account_id}",
                                  "use a role of the environment's own account")


def _name_and_path(role_arn: str) -> tuple[str, str]:
    name, path = role_arn.rsplit("/", 1)[-1], "/" + "/".join(role_arn.split(":role/", 1)[1].split("/")[:-1])
    return name, path if path.endswith("/") else path + "/"


def ensure_deploy_role(aws: Aws, org: str, environment: str, env: Any, *, check_only: bool = False,
                       file: str = "provision.yaml", repository: str | None = None) -> list[tuple[str, str, str]]:
    """Create or fix the environment's deploy role and its policy, and, when the org names its GitHub
    repository, GitHub's OIDC provider and the read-only plan role; one (name, action, detail) per setting."""
    from provisioner.cloud import github_oidc, plan_role

    role_arn = env.deploy_role_arn
    if not role_arn:
        return []
    validate(environment, env, file, repository)
    iam = aws.client("iam", env.region)
    partition = partition_for(env.region)
    name, path = _name_and_path(role_arn)
    policy = deploy_policy(org, env.account_id, env.region)
    policy_arn = f"arn:{partition}:iam::{env.account_id}:policy/{policy_name(org)}"
    provider = github_oidc.provider_arn(partition, env.account_id)
    steps: list[tuple[str, str, str]] = []
    with aws_errors(f"bootstrapping the deploy role {role_arn}"):
        if repository:
            steps.append(github_oidc.ensure_provider(iam, provider, check_only))
        steps.append(_policy(iam, policy_name(org), policy_arn, policy, check_only))
        github = (github_oidc.web_identity_statement(provider, github_oidc.environment_subject(repository, environment),
                                                     "GitHubEnvironment") if repository else None)
        steps.extend(_role(iam, name, path, policy_arn,
                           trust_policy(list(env.deploy_role_trust), env.external_id, github), check_only))
        if repository and env.state.bucket:
            plan_name = plan_role.policy_name(org, environment)
            plan_arn = f"arn:{partition}:iam::{env.account_id}:policy/{plan_name}"
            steps.append(_policy(iam, plan_name, plan_arn,
                                 plan_role.plan_policy(org, environment, env.account_id, env.region, env.state.bucket,
                                                       env.state.key_prefix),
                                 check_only, step="plan policy (and permission boundary)",
                                 description="What provision's plan role may do: read, the state lock, the plan store"))
            trust = {"Version": "2012-10-17", "Statement": [github_oidc.web_identity_statement(
                provider, github_oidc.pull_request_subject(repository), "GitHubPullRequests")]}
            steps.extend(_role(iam, _name_and_path(env.plan_role_arn)[0], path, plan_arn, trust, check_only,
                               label="plan role", component="plan-role",
                               description="provision plan role: read-only plans of pull requests"))
    return steps


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _policy(iam: Any, name: str, arn: str, document: dict[str, Any], check_only: bool,
            step: str = "deploy policy (and permission boundary)",
            description: str = "What provision's deploy role may do: the shipped blueprints' resources, "
                               "no IAM users or organization administration") -> tuple[str, str, str]:
    try:
        current = iam.get_policy(PolicyArn=arn)["Policy"]
    except Exception as exc:
        if error_code(exc) != "NoSuchEntity":
            raise
        if check_only:
            return step, "would-create", arn
        iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document), Description=description)
        return step, "created", arn
    version = iam.get_policy_version(PolicyArn=arn, VersionId=current["DefaultVersionId"])["PolicyVersion"]
    stored = version["Document"]
    stored = json.loads(stored) if isinstance(stored, str) else stored
    if _same(stored, document):
        return step, "unchanged", arn
    if check_only:
        return step, "would-update", f"{arn} differs from what this version of provision needs"
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    for old in sorted((v for v in versions if not v["IsDefaultVersion"]), key=lambda v: v["CreateDate"])[:max(0, len(versions) - 4)]:
        iam.delete_policy_version(PolicyArn=arn, VersionId=old["VersionId"])  # IAM keeps at most five
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(document), SetAsDefault=True)
    return step, "updated", arn


def _role(iam: Any, name: str, path: str, policy_arn: str, trust: dict[str, Any],
          check_only: bool, label: str = "deploy role",
          description: str = "provision deploy role: apply and every command in this account",
          component: str = "deploy-role") -> list[tuple[str, str, str]]:
    """Create or fix a role: its trust, and `policy_arn` as both its policy and its permission boundary."""
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except Exception as exc:
        if error_code(exc) != "NoSuchEntity":
            raise
        if check_only:
            return [(label, "would-create", name)]
        iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(trust),
                        PermissionsBoundary=policy_arn, MaxSessionDuration=3600, Description=description,
                        Tags=[{"Key": "provision:component", "Value": component}])
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
        return [(label, "created", f"{role_arn_of(iam, name)} trusting {', '.join(_principals(trust))}")]
    steps = []
    stored = role["AssumeRolePolicyDocument"]
    stored = json.loads(stored) if isinstance(stored, str) else stored
    if _same(stored, trust):
        steps.append((f"{label} trust", "unchanged", ", ".join(_principals(trust))))
    elif check_only:
        steps.append((f"{label} trust", "would-update", f"trust {', '.join(_principals(trust))}"))
    else:
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
        steps.append((f"{label} trust", "updated", f"trusts {', '.join(_principals(trust))}"))
    boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]]
    if boundary == policy_arn and policy_arn in attached:
        steps.append((f"{label} boundary", "unchanged", policy_arn))
    elif check_only:
        steps.append((f"{label} boundary", "would-update", f"boundary and policy {policy_arn}"))
    else:
        if boundary != policy_arn:
            iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=policy_arn)
        if policy_arn not in attached:
            iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
        steps.append((f"{label} boundary", "updated", policy_arn))
    return steps


def role_arn_of(iam: Any, name: str) -> str:
    return iam.get_role(RoleName=name)["Role"]["Arn"]


def _principals(trust: dict[str, Any]) -> list[str]:
    """Who a trust policy lets in, in words: AWS principals, and GitHub jobs by their token's subject."""
    found: list[str] = []
    for statement in trust["Statement"]:
        principal = statement["Principal"]
        if "AWS" in principal:
            found += [principal["AWS"]] if isinstance(principal["AWS"], str) else list(principal["AWS"])
        else:
            found += [f"GitHub {value}" for key, value in statement["Condition"]["StringEquals"].items()
                      if key.endswith(":sub")]
    return found


def boundary_summary(org: str) -> dict[str, Any]:
    """What the audit shows about an environment's deploy role (no account needed)."""
    return {"policy": policy_name(org), "allows": [f"{s}:*" for s in BLUEPRINT_SERVICES] + list(READ_ONLY)
            + [f"IAM on {org}-* roles and policies", f"iam:PassRole of {org}-* roles to SageMaker"],
            "denies": list(NEVER)}

