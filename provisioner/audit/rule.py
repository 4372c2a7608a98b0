"""What a rule is: a pure function of one resource (and the config around it).

    @rule(id="PROV-004", title=..., why=..., fix=..., level="error",
          resource_types=("aws_s3_bucket",), category="s3")
    def check(bucket: Resource, config: Config) -> Outcome:
        ...
        return PASS | NOT_APPLICABLE | Fail("what is wrong")

One rule per file under provisioner/audit/rules/; the registry finds them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Union

if TYPE_CHECKING:
    from provisioner.audit.config import Config
    from provisioner.audit.resources import Resource

Level = Literal["error", "warning"]
ALL_TYPES = "*"
RULE_ID = re.compile(r"^PROV-\d{3}$")


class _Pass:
    def __repr__(self) -> str:
        return "PASS"


class _NotApplicable:
    def __repr__(self) -> str:
        return "NOT_APPLICABLE"


PASS = _Pass()
NOT_APPLICABLE = _NotApplicable()


@dataclass(frozen=True)
class Fail:
    message: str  # what is wrong with this resource, in one sentence; never a secret value


Outcome = Union[_Pass, _NotApplicable, Fail]
Check = Callable[["Resource", "Config"], Outcome]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    why: str
    fix: str
    level: Level
    resource_types: tuple[str, ...]
    category: str
    check: Check
    module: str = ""
    coverage: str = ""  # the report's coverage table this rule feeds: "encryption", "network", "tagging" or ""

    def applies_to(self, resource_type: str) -> bool:
        return ALL_TYPES in self.resource_types or resource_type in self.resource_types

    def __call__(self, resource: "Resource", config: "Config") -> Outcome:
        return self.check(resource, config)


def rule(*, id: str, title: str, why: str, fix: str, level: Level, resource_types: tuple[str, ...],
         category: str, coverage: str = "") -> Callable[[Check], Rule]:
    if not RULE_ID.match(id):
        raise ValueError(f"rule id {id!r} must look like PROV-NNN")
    if coverage not in ("", "encryption", "network", "tagging"):
        raise ValueError(f"rule {id}: unknown coverage {coverage!r}")
    if level not in ("error", "warning"):
        raise ValueError(f"rule {id}: level must be error or warning")

    def wrap(fn: Check) -> Rule:
        return Rule(id, title, " ".join(why.split()), " ".join(fix.split()), level, tuple(resource_types), category, fn,
                    fn.__module__, coverage)

    return wrap
