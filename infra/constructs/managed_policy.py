"""ManagedPolicy: a customer-managed IAM policy built from grants, attached by whoever needs it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from typing import Any

from cdktn_provider_aws.iam_policy import IamPolicy

from infra.constructs._base import L2, POLICY_VERSION, PolicyDocument, Statement, policy_json
from infra.stack_build import add_resource, reference

# IAM's limit for a managed policy document, counted without whitespace.
MAX_POLICY_CHARS = 6144
# Most managed policies IAM attaches to one role or user by default (quota, raisable to 20).
MAX_PARTS = 10
# A reference (`${aws_kms_key.key.arn}`) is measured as this long: longer than any ARN it stands for here.
TOKEN_ESTIMATE = 128
_TOKEN = re.compile(r"\$\{[^}]*\}")


def estimated_size(statements: list[Statement]) -> int:
    """Characters IAM will count (no whitespace), with every unresolved reference at its upper bound."""
    text = json.dumps({"Version": POLICY_VERSION, "Statement": statements}, separators=(",", ":"))
    return len(_TOKEN.sub("x" * TOKEN_ESTIMATE, text))


class ManagedPolicy(L2):
    """A customer-managed policy, attached to nothing here: the platform team
    attaches it to the people's or CI's roles (or a permission set), or a
    capability attaches it to a role.

    Statements arrive through grants (`bucket.grant_read_write(policy)`) or
    `add_to_policy`; statements sharing a Sid merge their resources. The policy
    must receive at least one statement (IAM rejects an empty one). The
    policies are created when the stack is finished, with every statement.

    Props:
      name: the physical name of the (first) policy.
      description: shown in the IAM console; fixed at creation (changing it replaces the policy).
      part_name: `index -> physical name` for further policies (index 2, 3, ...).
        Default `None`: one policy only, and synthesis fails with a clear error
        when it would exceed IAM's 6,144 characters. With it, statements spill
        over, in order, into as many policies as needed (at most 10), all in
        `arns`; attach all of them. Read `arns` once every statement is added:
        adding statements that need another policy after that is an error
        (the new policy would be attached nowhere).
    """

    def __init__(self, scope: Any, id: str, *, name: str, description: str,
                 part_name: Callable[[int], str] | None = None) -> None:
        super().__init__(scope, id)
        self.name, self._description, self._part_name = name, description, part_name
        self.parts: list[IamPolicy] = []
        self._promised = 0  # how many parts `arns` handed out
        self.policy = PolicyDocument(self._write_policy, scope=self.stack)

    @property
    def arn(self) -> str:
        """The (first) policy's ARN; reading it promises the policy exists (`finish` checks it does)."""
        return reference(self.stack, IamPolicy, self.id, "arn")

    @property
    def arns(self) -> list[str]:
        count = len(self._split(self.policy.statements)) if len(self.policy) else 1
        self._promised = max(self._promised, count)
        return [reference(self.stack, IamPolicy, self._logical_id(index), "arn") for index in range(1, count + 1)]

    def _logical_id(self, index: int) -> str:
        return self.id if index == 1 else f"{self.id}_{index}"

    def _write_policy(self, statements: list[Statement]) -> None:
        chunks = self._split(statements)
        if self._promised and len(chunks) > self._promised:
            raise ValueError(f"policy {self.name}: statements were added after its ARNs were read and need "
                             f"{len(chunks)} managed policies instead of {self._promised}; add every statement first")
        for index, chunk in enumerate(chunks, start=1):
            assert index == 1 or self._part_name is not None  # _split refuses more parts without part_name
            self.parts.append(add_resource(
                self.stack, IamPolicy, self._logical_id(index),
                name=self.name if index == 1 else self._part_name(index),  # type: ignore[misc]
                description=self._description if index == 1 else f"{self._description} (part {index})",
                policy=policy_json(chunk),
            ))

    def _split(self, statements: list[Statement]) -> list[list[Statement]]:
        """Next-fit packing in statement order: adding or growing statements never lowers the count."""
        chunks: list[list[Statement]] = [[]]
        for item in statements:
            if chunks[-1] and estimated_size(chunks[-1] + [item]) > MAX_POLICY_CHARS:
                chunks.append([])
            chunks[-1].append(item)
            if estimated_size([item]) > MAX_POLICY_CHARS:
                raise ValueError(f"policy {self.name}: statement {item['Sid']!r} alone exceeds IAM's "
                                 f"{MAX_POLICY_CHARS} characters")
        if len(chunks) > 1 and self._part_name is None:
            raise ValueError(f"policy {self.name} would exceed IAM's {MAX_POLICY_CHARS} characters "
                             f"(about {estimated_size(statements)}); give ManagedPolicy a part_name to split it")
        if len(chunks) > MAX_PARTS:
            raise ValueError(f"policy {self.name} needs {len(chunks)} managed policies; IAM attaches at most "
                             f"{MAX_PARTS} to a role by default")
        return chunks

    def add_to_policy(self, *statements: Statement) -> None:
        self.policy.add(*statements)
