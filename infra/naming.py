"""One function for every physical name.

`physical_name(org, workspace, environment, component, service)` returns
`<org>-<workspace>-<environment>-<component>` shaped to the service's limits.
When the full name does not fit, it is cut and a stable hash of the full name
is appended, so two long names never collide and a name never changes for the
same inputs. Changing the output for existing inputs would replace cloud
resources: the snapshot tests and tests/infra/test_naming.py guard it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceLimit:
    max_length: int
    lowercase: bool = True
    allowed: str = r"a-z0-9-"  # character class of allowed characters (after lowercasing)
    separator: str = "-"


LIMITS: dict[str, ServiceLimit] = {
    "s3_bucket": ServiceLimit(63),
    "iam_role": ServiceLimit(64, lowercase=False, allowed=r"A-Za-z0-9+=,.@_-"),
    "iam_policy": ServiceLimit(128, lowercase=False, allowed=r"A-Za-z0-9+=,.@_-"),
    "kms_alias": ServiceLimit(250, lowercase=False, allowed=r"A-Za-z0-9/_-"),
    "ecr_repository": ServiceLimit(256),
    "log_group": ServiceLimit(512, lowercase=False, allowed=r"A-Za-z0-9_./#-"),
    "sns_topic": ServiceLimit(256, lowercase=False, allowed=r"A-Za-z0-9_-"),
    "budget": ServiceLimit(100, lowercase=False, allowed=r"A-Za-z0-9_-"),
    "resource_group": ServiceLimit(128, lowercase=False, allowed=r"A-Za-z0-9_.-"),
    "event_rule": ServiceLimit(64, lowercase=False, allowed=r"A-Za-z0-9_.-"),
    # SageMaker names: alphanumerics and hyphens, 63 characters.
    "sagemaker": ServiceLimit(63, lowercase=False, allowed=r"A-Za-z0-9-"),
    "sagemaker_short": ServiceLimit(32, lowercase=False, allowed=r"A-Za-z0-9-"),  # e.g. training job prefixes
    "mlflow_server": ServiceLimit(256, lowercase=False, allowed=r"A-Za-z0-9-"),
    "cloudwatch": ServiceLimit(255, lowercase=False, allowed=r"A-Za-z0-9_-"),
    "autoscaling_policy": ServiceLimit(256, lowercase=False, allowed=r"A-Za-z0-9_-"),
    "scheduler_schedule": ServiceLimit(64, lowercase=False, allowed=r"A-Za-z0-9_.-"),
}

HASH_LENGTH = 8


def _stable_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_LENGTH]


def physical_name(org: str, workspace: str, environment: str, component: str, service: str) -> str:
    limit = LIMITS[service]
    full = "-".join(part for part in (org, workspace, environment, component) if part)
    text = full.lower() if limit.lowercase else full
    text = re.sub(f"[^{limit.allowed}]", "-", text)
    text = re.sub(r"-{2,}", "-", text).strip("-")
    if len(text) <= limit.max_length:
        return text
    digest = _stable_hash(full)
    head = text[: limit.max_length - HASH_LENGTH - 1].rstrip("-")
    return f"{head}-{digest}"


class Namer:
    """Binds the org/workspace/environment so constructs only name the component."""

    def __init__(self, org: str, workspace: str, environment: str) -> None:
        self.org, self.workspace, self.environment = org, workspace, environment

    def __call__(self, component: str, service: str) -> str:
        return physical_name(self.org, self.workspace, self.environment, component, service)
