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

# Actions that support no resource-level permissions or are read-only: granted on "*".
READ_ONLY = ("tag:GetResources", "ec2:Describe*", "servicequotas:Get*", "servicequotas:List*",
             "sts:GetCallerIdentity", "iam:Get*", "iam:List*", "s3:ListAllMyBuckets", "ecr:GetAuthorizationToken",
             "sagemaker:List*", "sagemaker:Describe*", "sagemaker:Search", "cloudwatch:Describe*",
             "cloudwatch:List*", "cloudwatch:Get*", "logs:Describe*", "events:List*", "sns:List*",
             "kms:ListAliases", "kms:ListKeys", "budgets:ViewBudget", "resource-groups:List*")
# Services scoped to the org's resource names (every physical name starts with `<org>-`, infra/naming.py).
NAMED = {
    "s3": ["arn:{p}:s3:::{org}-*", "arn:{p}:s3:::{org}-*/*"],
    "ecr": ["arn:{p}:ecr:*:{account}:repository/{org}-*"],
    "sagemaker": ["arn:{p}:sagemaker:*:{account}:*/{org}-*"],
    "sns": ["arn:{p}:sns:*:{account}:{org}-*"],
    "logs": ["arn:{p}:logs:*:{account}:log-group:{org}-*", "arn:{p}:logs:*:{account}:log-group:{org}-*:*"],
    "cloudwatch": ["arn:{p}:cloudwatch:*:{account}:alarm:{org}-*", "arn:{p}:cloudwatch::{account}:dashboard/{org}-*"],
    "events": ["arn:{p}:events:*:{account}:rule/{org}-*"],
    "budgets": ["arn:{p}:budgets::{account}:budget/{org}-*"],
    "resource-groups": ["arn:{p}:resource-groups:*:{account}:group/{org}-*"],
}
# Where names cannot scope (say why): Application Auto Scaling's scalable targets and policies have
# generated ids, not names, and its tag conditions do not cover RegisterScalableTarget; KMS keys have
# generated ids too, so they are scoped by the `provision:org` tag (CreateKey by the tag in the request).
UNSCOPED = ("application-autoscaling:*", "resource-groups:CreateGroup")  # CreateGroup supports no resource type
ROLE_CHANGES = ("iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary")
ORG_ROLES_OTHER = ("iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy",
                   "iam:TagRole", "iam:UntagRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy")
ORG_POLICIES = ("iam:CreatePolicy", "iam:DeletePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion",
                "iam:SetDefaultPolicyVersion", "iam:TagPolicy", "iam:UntagPolicy")
NEVER = ("iam:CreateUser", "iam:DeleteUser", "iam:UpdateUser", "iam:CreateAccessKey", "iam:UpdateAccessKey",
         "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:AttachUserPolicy", "iam:PutUserPolicy",
         "iam:AddUserToGroup", "iam:CreateGroup", "iam:AttachGroupPolicy", "iam:PutGroupPolicy",
         "iam:CreateOpenIDConnectProvider", "iam:UpdateOpenIDConnectProviderThumbprint",
         "iam:AddClientIDToOpenIDConnectProvider", "iam:CreateSAMLProvider", "iam:UpdateAccountPasswordPolicy",
         "iam:DeleteRolePermissionsBoundary", "organizations:*", "account:*")
# Everything that changes a role or a policy: denied on the deploy and plan roles and their policies.
CHANGE_IAM = ("iam:Update*", "iam:Put*", "iam:Attach*", "iam:Detach*", "iam:Delete*", "iam:Tag*", "iam:Untag*",
              "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:PassRole")
STATE_BUCKET_SETTINGS = ("s3:DeleteBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketVersioning",
                         "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration",
                         "s3:PutBucketPublicAccessBlock", "s3:PutBucketOwnershipControls", "s3:PutBucketAcl")


def policy_name(org: str) -> str:
    return f"{org}-provision-deploy"


def deploy_policy(org: str, account_id: str, region: str, *, deploy_role_arn: str | None = None,
                  state_bucket: str | None = None, state_key_alias: str | None = None) -> dict[str, Any]:
    """The deploy role's permissions, which are also its permission boundary (see the module docstring).

    `deploy_role_arn`: the role itself, whose role and the plan role (`<name>-plan`) it may never change;
    `state_bucket`/`state_key_alias`: the environment's Terraform state, whose settings and key it may never
    change (its objects it reads and writes: that is the state).
    """
    from infra.boundary import boundary_arn, boundary_name

    partition = partition_for(region)
    iam = f"arn:{partition}:iam::{account_id}"
    boundary = boundary_arn(org, account_id, partition)
    tag = {"aws:ResourceTag/provision:org": org}
    named = [s.format(p=partition, org=org, account=account_id) for arns in NAMED.values() for s in arns]
    own_roles = [deploy_role_arn, f"{deploy_role_arn}-plan"] if deploy_role_arn else []
    own_policies = [f"{iam}:policy/{policy_name(org)}", f"{iam}:policy/{boundary_name(org)}",
                    f"{iam}:policy/{org}-*-provision-plan"]
    statements: list[dict[str, Any]] = [
        {"Sid": "ReadOnly", "Effect": "Allow", "Action": list(READ_ONLY), "Resource": "*"},
        {"Sid": "OrgNamedResources", "Effect": "Allow", "Action": [f"{s}:*" for s in NAMED], "Resource": named},
        {"Sid": "UnnamedResources", "Effect": "Allow", "Action": list(UNSCOPED), "Resource": "*"},
        {"Sid": "CreateOrgKeys", "Effect": "Allow", "Action": ["kms:CreateKey"], "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestTag/provision:org": org}}},
        {"Sid": "OrgKeys", "Effect": "Allow", "Action": "kms:*",
         "Resource": f"arn:{partition}:kms:*:{account_id}:key/*", "Condition": {"StringEquals": tag}},
        {"Sid": "OrgKeyAliases", "Effect": "Allow", "Action": ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
         "Resource": f"arn:{partition}:kms:*:{account_id}:alias/{org}-*"},
        {"Sid": "OrgRolesOnlyWithTheBoundary", "Effect": "Allow", "Action": list(ROLE_CHANGES),
         "Resource": f"{iam}:role/{org}-*", "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary}}},
        {"Sid": "OrgRoles", "Effect": "Allow", "Action": list(ORG_ROLES_OTHER), "Resource": f"{iam}:role/{org}-*"},
        {"Sid": "OrgPolicies", "Effect": "Allow", "Action": list(ORG_POLICIES), "Resource": f"{iam}:policy/{org}-*"},
        {"Sid": "PassOrgRolesToSageMaker", "Effect": "Allow", "Action": "iam:PassRole",
         "Resource": f"{iam}:role/{org}-*",
         "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}},
        {"Sid": "ServiceLinkedRoles", "Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*",
         "Condition": {"StringEquals": {"iam:AWSServiceName": ["sagemaker.amazonaws.com",
                                                               "sagemaker.application-autoscaling.amazonaws.com"]}}},
        {"Sid": "NoUsersOrOrganizationAdministration", "Effect": "Deny", "Action": list(NEVER), "Resource": "*"},
        {"Sid": "AttachOnlyTheOrgsPolicies", "Effect": "Deny", "Action": "iam:AttachRolePolicy", "Resource": "*",
         "Condition": {"ArnNotLike": {"iam:PolicyARN": f"{iam}:policy/{org}-*"}}},
        {"Sid": "NoChangeToTheDeployPolicyOrTheBoundaries", "Effect": "Deny",
         "Action": ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
                    "iam:SetDefaultPolicyVersion", "iam:TagPolicy", "iam:UntagPolicy"],
         "Resource": own_policies},
        {"Sid": "NoAttachingTheDeployOrPlanPolicy", "Effect": "Deny", "Action": "iam:AttachRolePolicy",
         "Resource": "*", "Condition": {"ArnLike": {"iam:PolicyARN": [own_policies[0], own_policies[2]]}}},
        {"Sid": "NoKeyAdministrationOfOthersKeys", "Effect": "Deny",
         "Action": ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy", "kms:CreateGrant"],
         "Resource": "*", "Condition": {"StringNotEquals": tag}},
    ]
    if own_roles:
        statements.append({"Sid": "NoChangeToItsOwnRoles", "Effect": "Deny", "Action": list(CHANGE_IAM),
                           "Resource": own_roles})
    if state_bucket:
        statements.append({"Sid": "NoChangeToTheStateBucket", "Effect": "Deny", "Action": list(STATE_BUCKET_SETTINGS),
                           "Resource": f"arn:{partition}:s3:::{state_bucket}"})
    if state_key_alias:
        statements.append({"Sid": "NoChangeToTheStateKey", "Effect": "Deny",
                           "Action": ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy",
                                      "kms:CreateGrant", "kms:DisableKeyRotation"],
                           "Resource": "*",
                           "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": state_key_alias}}})
    return {"Version": "2012-10-17", "Statement": statements}


def trust_policy(principals: list[str], external_id: str | None,
                 github: dict[str, Any] | None = None) -> dict[str, Any]:
    """Who may assume the deploy role: the named principals (with the external id, if any), and the
    GitHub jobs of the environment (`github`: a `github_oidc.web_identity_statement`)."""
    statements: list[dict[str, Any]] = []
    if principals:
        # sts:SetSourceIdentity: provision's sessions name the person or CI run (provisioner/cloud/aws.py).
        statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"AWS": principals[0] if len(principals) == 1
                                                                      else list(principals)},
                                     "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"]}
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
    from infra.boundary import boundary_arn, boundary_name, boundary_policy
    from infra.naming import physical_name
    from provisioner.cloud.state_backend import STATE_COMPONENT

    state_alias = "alias/" + physical_name(org, "", environment, STATE_COMPONENT, "kms_alias")
    policy = deploy_policy(org, env.account_id, env.region, deploy_role_arn=role_arn,
                           state_bucket=env.state.bucket if env.state.backend == "s3" else None,
                           state_key_alias=state_alias)
    policy_arn = f"arn:{partition}:iam::{env.account_id}:policy/{policy_name(org)}"
    provider = github_oidc.provider_arn(partition, env.account_id)
    steps: list[tuple[str, str, str]] = []
    with aws_errors(f"bootstrapping the deploy role {role_arn}"):
        if repository:
            steps.append(github_oidc.ensure_provider(iam, provider, check_only))
        steps.append(_policy(iam, boundary_name(org), boundary_arn(org, env.account_id, partition),
                             boundary_policy(org, env.account_id, partition), check_only,
                             step="workload boundary (every role the deploy role creates carries it)",
                             description="The ceiling of every role provision's deploy role creates: no identity "
                                         "administration"))
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


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    """A policy statement by statement, as the audit shows it (least privilege read line by line)."""
    shown = []
    for s in document["Statement"]:
        item = {"sid": s.get("Sid", ""), "effect": s["Effect"],
                "actions": [s["Action"]] if isinstance(s.get("Action"), str) else list(s.get("Action", [])),
                "resources": [s["Resource"]] if isinstance(s.get("Resource"), str) else list(s.get("Resource", []))}
        if s.get("Condition"):
            item["condition"] = s["Condition"]
        shown.append(item)
    return shown


def boundary_summary(org: str, deploy_role_arn: str | None = None, region: str = "us-east-1") -> dict[str, Any]:
    """What the audit shows about an environment's deploy role and its plan role (no account needed)."""
    from provisioner.cloud import plan_role

    account = deploy_role_arn.split(":")[4] if deploy_role_arn else "000000000000"
    document = deploy_policy(org, account, region, deploy_role_arn=deploy_role_arn)
    allows = [f"{a} on {', '.join(s['resources'])}" + (" if " + json.dumps(s["condition"], sort_keys=True)
                                                         if s.get("condition") else "")
              for s in _statements(document) if s["effect"] == "Allow" for a in s["actions"]]
    denies = [a for s in _statements(document) if s["effect"] == "Deny" for a in s["actions"]]
    summary: dict[str, Any] = {"policy": policy_name(org), "allows": allows, "denies": denies,
                               "statements": _statements(document)}
    if deploy_role_arn:
        summary["plan_role"] = {
            "role_arn": f"{deploy_role_arn}-plan", "policy": plan_role.policy_name(org, "<env>"),
            "trusted_by": "GitHub pull requests of the org's repository (github_repository)",
            "statements": _statements(plan_role.plan_policy(org, "<env>", account, region, "<state bucket>",
                                                            "<key prefix>"))}
    return summary
