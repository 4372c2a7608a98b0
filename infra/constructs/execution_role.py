"""ExecutionRole: the IAM role SageMaker assumes to run the workspace's jobs."""

from __future__ import annotations

from cdktn_provider_aws.iam_role import IamRole
from typing import Any

from cdktn_provider_aws.iam_role_policy import IamRolePolicy

from infra.constructs._base import L2, PolicyDocument, Statement, policy_json, statement
from infra.stack_build import add_resource, ref

SAGEMAKER = "sagemaker.amazonaws.com"


SCHEDULER = "scheduler.amazonaws.com"
_SIDS = {SAGEMAKER: "SageMakerAssumesRoleForThisAccount", SCHEDULER: "SchedulerAssumesRoleForThisAccount"}


def trust_policy(account_id: str, service: str = SAGEMAKER) -> str:
    """Only the service (SageMaker by default) may assume the role, and only on behalf of this account."""
    return policy_json([statement(
        _SIDS[service], "sts:AssumeRole", principal={"Service": service},
        conditions={"StringEquals": {"aws:SourceAccount": account_id}},
    )])


class ExecutionRole(L2):
    """A service role (SageMaker's by default) with one inline least-privilege policy and no managed policies.

    Permissions arrive through grants (`bucket.grant_read(role)`, `key.grant_...`)
    or `add_to_policy`; each is scoped to the workspace's own resources. The
    inline policy is created with the first statement (so a role nobody
    granted anything has no permissions at all, and resources created later
    can depend on `ready`) and holds every statement once the stack is
    finished. AWS-managed policies (such as AmazonSageMakerFullAccess) are
    never attached.

    Props:
      name: the role's physical name.
      policy_name: name of the inline policy.
      account_id: the account whose SageMaker may assume the role.
      description: shown in the IAM console.
      max_session_hours: longest session SageMaker may hold; default 12 (a
        training job refreshes its credentials, so this is not a runtime cap).
      service: the one service principal that may assume the role; default
        sagemaker.amazonaws.com (also: scheduler.amazonaws.com).
    """

    def __init__(self, scope: Any, id: str, *, name: str, policy_name: str, account_id: str,
                 partition: str = "aws", description: str, max_session_hours: int = 12,
                 service: str = SAGEMAKER) -> None:
        super().__init__(scope, id)
        self.name, self._policy_name = name, policy_name
        boundary = getattr(self.stack, "role_boundary", None)  # the org's, when a deploy role builds the stack
        self.resource = add_resource(
            self.stack, IamRole, id, name=name, description=description, assume_role_policy=trust_policy(account_id, service),
            max_session_duration=max_session_hours * 3600, **({"permissions_boundary": boundary} if boundary else {}),
        )
        self.arn = f"arn:{partition}:iam::{account_id}:role/{name}"
        self._inline: IamRolePolicy | None = None
        self._written: list[Statement] = []
        self.policy = PolicyDocument(self._write_policy, scope=self.stack)

    @property
    def ready(self) -> list:
        """What a resource using the role's permissions must wait for: the role and its inline policy."""
        return [self.resource, *([self._inline] if self._inline is not None else [])]

    def _write_policy(self, statements: list[Statement]) -> None:
        if statements != self._written:
            assert self._inline is not None  # add_to_policy created it with the first statement
            self._inline.policy = policy_json(statements)

    def add_to_policy(self, *statements: Statement) -> None:
        self.policy.add(*statements)
        if self._inline is None and len(self.policy):
            self._written = self.policy.statements
            self._inline = add_resource(self.stack, IamRolePolicy, self.id, name=self._policy_name,
                                        role=ref(self.resource, "name"), policy=policy_json(self._written))
