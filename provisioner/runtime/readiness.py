"""One check of whether a machine or a workspace is ready: the result type of `provision doctor`, `provision
preflight` and the pre-apply preflight gate.

A check is `pass`, `fail`, `warn`, `info` (something the user did not ask
about, such as the AWS environments of someone who only uses the local
cloud: said, with its fix, never a failure) or `skip` (could not apply here;
never a silent pass), with a one-line detail and, when it did not pass, the fix.
`provisioner/cli/_checks.py` prints a list of them; `--output json` is
`[check.to_dict() ...]`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["pass", "fail", "warn", "info", "skip"]


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    status: Status
    detail: str
    fix: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status == "fail"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "status": self.status, "detail": self.detail,
                "fix": self.fix, **({"data": self.data} if self.data else {})}


def failures(checks: list[Check]) -> list[Check]:
    return [check for check in checks if check.failed]
