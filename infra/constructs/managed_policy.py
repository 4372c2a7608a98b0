"""ManagedPolicy: a customer-managed IAM policy built from grants, attached by whoever needs it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from cdktn_provider_aws.iam_policy import IamPolicy
from constructs import Construct

from infra.constructs._base import POLICY_VERSION, PolicyDocument, Statement, address, policy_json

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


class ManagedPolicy(Construct):
    """A customer-managed policy, attached to nothing here: the platform team
    attaches it to the people's or CI's roles (or a permission set), or a
    capability attaches it to a role.

    Statements arrive through grants (`bucket.grant_read_write(policy)`) or
    `add_to_policy`; statements sharing a Sid merge their resources. The policy
    must receive at least one statement (IAM rejects an empty one).

    Props:
      name: the physical name of the (first) policy.
      description: shown in the IAM console; fixed at creation (changing it replaces the policy).
      part_name: `index -> physical name` for further policies (index 2, 3, ...).
        Default `None`: one policy only, and synthesis fails with a clear error
        when it would exceed IAM's 6,144 characters. With it, statements spill
        over, in order, into as many policies as needed (at most 10), all in
        `arns`; attach all of them.
    """

    def __init__(self, scope: Construct, id: str, *, name: str, description: str,
                 part_name: Callable[[int], str] | None = None) -> None:
        super().__init__(scope, id)
        self.name, self._id, self._description, self._part_name = name, id, description, part_name
        self.resource = self._new_part(1, name)
        self.parts: list[IamPolicy] = [self.resource]
        self.arn: str = self.resource.arn
        self.policy = PolicyDocument(self._write_policy)

    @property
    def arns(self) -> list[str]:
        return [part.arn for part in self.parts]

    def _new_part(self, index: int, name: str) -> IamPolicy:
        logical = self._id if index == 1 else f"{self._id}_{index}"
        description = self._description if index == 1 else f"{self._description} (part {index})"
        return address(IamPolicy(self, "policy" if index == 1 else f"policy_{index}", name=name,
                                 description=description, policy="{}"), logical)

    def _write_policy(self, statements: list[Statement]) -> None:
        chunks = self._split(statements)
        while len(self.parts) < len(chunks):
            index = len(self.parts) + 1
            assert self._part_name is not None
            self.parts.append(self._new_part(index, self._part_name(index)))
        for part, chunk in zip(self.parts, chunks, strict=False):
            part.policy = policy_json(chunk)

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
