"""What the L2 constructs share: their base class, IAM statements, policy documents written once."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from cdktn import TerraformResourceLifecycle

from infra.stack_build import StackBuild, stack_of

Statement = dict[str, Any]
POLICY_VERSION = "2012-10-17"


def statement(
    sid: str,
    actions: str | Sequence[str],
    resources: str | Sequence[str] | None = None,
    *,
    effect: str = "Allow",
    principal: Mapping[str, Any] | str | None = None,
    conditions: Mapping[str, Mapping[str, Any]] | None = None,
) -> Statement:
    """One IAM statement with keys in the conventional order. `sid` must be alphanumeric."""
    if not sid.isalnum():
        raise ValueError(f"IAM statement ids must be alphanumeric, got {sid!r}")
    body: Statement = {"Sid": sid, "Effect": effect}
    if principal is not None:
        body["Principal"] = principal
    body["Action"] = _one_or_list(actions)
    if resources is not None:
        body["Resource"] = _one_or_list(resources)
    if conditions:
        body["Condition"] = {op: dict(values) for op, values in conditions.items()}
    return body


def _one_or_list(value: str | Sequence[str]) -> str | list[str]:
    if isinstance(value, str):
        return value
    items = list(value)
    return items[0] if len(items) == 1 else items


def policy_json(statements: Iterable[Statement]) -> str:
    """A policy document as a JSON string; cdktn turns embedded tokens into `${...}` references."""
    return json.dumps({"Version": POLICY_VERSION, "Statement": list(statements)})


class Grantee(Protocol):
    """Anything that can receive permissions (an execution role, a managed policy)."""

    def add_to_policy(self, *statements: Statement) -> None: ...


class L2:
    """Base of the L2 constructs: resources with safe defaults, grants and glue, built in Python.

    Not a jsii Construct (see `infra.stack_build`): `scope` is the stack, or
    another L2 construct (its stack is used). Resources are created with
    `add_resource(self.stack, ...)` and get readable Terraform addresses; `id`
    is the logical id of the construct's main resource.
    """

    def __init__(self, scope: Any, id: str) -> None:
        self.stack = stack_of(scope)
        self.id = id


class PolicyDocument:
    """Statements that grow as grants arrive, written once: `write(statements)` runs at `flush()`.

    With `scope`, the stack's `finish` flushes the document (so a policy is
    written once, not on every grant: each write is a jsii round trip).
    Adding a statement whose Sid already exists:
    - identical statement: nothing happens (two buckets granting the same key);
    - same effect, actions, principal and conditions: the resources are merged
      into the existing statement (one "ReadWriteWorkspaceObjects" for several
      buckets keeps policies small);
    - anything else: ValueError (two grants disagree about one Sid).
    """

    def __init__(self, write: Callable[[list[Statement]], None], statements: Iterable[Statement] = (), *,
                 scope: Any = None) -> None:
        self._write = write
        self._statements: dict[str, Statement] = {}
        self.add(*statements)
        if scope is not None:
            StackBuild.of(scope).at_finish(self.flush)

    def add(self, *statements: Statement) -> None:
        for item in statements:
            sid = item["Sid"]
            existing = self._statements.get(sid)
            if existing is None:
                self._statements[sid] = dict(item)
            elif existing != item:
                self._statements[sid] = _merge_resources(existing, item)

    def flush(self) -> None:
        """Write the statements (IAM rejects an empty policy, so an empty document writes nothing)."""
        if self._statements:
            self._write(self.statements)

    @property
    def statements(self) -> list[Statement]:
        return list(self._statements.values())

    def __len__(self) -> int:
        return len(self._statements)


def _merge_resources(existing: Statement, item: Statement) -> Statement:
    rest = {k: v for k, v in existing.items() if k != "Resource"}
    if rest != {k: v for k, v in item.items() if k != "Resource"} or "Resource" not in item:
        raise ValueError(f"policy statement {item['Sid']!r} added twice with different content")
    merged = list(dict.fromkeys(_as_list(existing.get("Resource", [])) + _as_list(item["Resource"])))
    return {**existing, "Resource": merged[0] if len(merged) == 1 else merged}


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def protect() -> TerraformResourceLifecycle:
    """Lifecycle for stateful resources: Terraform refuses to destroy them."""
    return TerraformResourceLifecycle(prevent_destroy=True)


def source_account(account_id: str) -> dict[str, dict[str, str]]:
    """Condition limiting a service principal to act for this account (confused-deputy guard)."""
    return {"StringEquals": {"aws:SourceAccount": account_id}}
