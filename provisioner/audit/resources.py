"""One Terraform resource as the rules see it, and helpers to read nested blocks.

cdktn writes a block with at most one item as an object
(`"versioning_configuration": {"status": "Enabled"}`) and repeated blocks as a
list; `terraform show -json` writes every block as a list. `blocks()` and
`Resource.get()` accept both, so a rule reads the same way from either source.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

REFERENCE = re.compile(
    r"(?<![\w.])((?:data\.)?aws_[a-z0-9_]+\.[A-Za-z0-9_-]+)(?:\[[^\]]*\])?(?:\.([A-Za-z0-9_]+))?"
)


def blocks(value: Any) -> list[dict[str, Any]]:
    """A nested block as a list of mappings, whichever way it was written."""
    if isinstance(value, Mapping):
        return [dict(value)]
    if isinstance(value, list):
        return [dict(item) for item in value if isinstance(item, Mapping)]
    return []


def dig(values: Any, path: str, default: Any = None) -> Any:
    """`dig(values, "data_capture_config.kms_key_id")`: steps into the first block at each level."""
    current = values
    for part in path.split("."):
        if isinstance(current, list):
            current = current[0] if current else None
        if not isinstance(current, Mapping) or part not in current:
            return default
        current = current[part]
    return current


def is_reference(value: Any) -> bool:
    return isinstance(value, str) and "${" in value


def references(value: Any) -> list[tuple[str, str | None]]:
    """Every `(address, attribute)` a value refers to, searched through nested lists and maps."""
    found: list[tuple[str, str | None]] = []

    def walk(item: Any) -> None:
        if isinstance(item, str):
            if "${" in item or "aws_" in item:
                for expression in _expressions(item):
                    found.extend((m.group(1), m.group(2)) for m in REFERENCE.finditer(expression))
        elif isinstance(item, Mapping):
            for key, sub in item.items():
                if key != "//":
                    walk(sub)
        elif isinstance(item, list):
            for sub in item:
                walk(sub)

    walk(value)
    return found


def _expressions(text: str) -> list[str]:
    """The `${...}` parts of a string (balanced braces), or the whole text for a bare HCL traversal."""
    parts: list[str] = []
    index = 0
    while True:
        start = text.find("${", index)
        if start < 0:
            break
        depth, cursor = 0, start + 1
        while cursor < len(text):
            char = text[cursor]
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    break
            cursor += 1
        parts.append(text[start + 2 : cursor])
        index = cursor + 1
    return parts


@dataclass(frozen=True)
class Resource:
    """A managed resource (`aws_s3_bucket.data`) or a data source (`data.aws_iam_policy_document.trust`)."""

    address: str
    type: str
    name: str
    values: Mapping[str, Any]
    mode: str = "managed"
    path: str = ""  # cdktn construct path, for example `churn-model/foundation/data`
    capability: str = ""  # the capability that created it, as synth recorded it ("" when not recorded)
    provider: str = "aws"
    line: int = 0  # line of the resource in the file it came from (1-based; 0 when unknown)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def get(self, path: str, default: Any = None) -> Any:
        return dig(self.values, path, default)

    def blocks(self, key: str) -> list[dict[str, Any]]:
        return blocks(self.values.get(key))

    @property
    def display_name(self) -> str:
        """The physical name when the config sets one, else the Terraform name."""
        for key in NAME_ATTRIBUTES.get(self.type, ("name",)):
            value = self.values.get(key)
            if isinstance(value, str) and value and not is_reference(value):
                return value
        return self.name


# Attributes that hold a resource's physical name, by type (default: `name`).
NAME_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "aws_s3_bucket": ("bucket",),
    "aws_sagemaker_model_package_group": ("model_package_group_name",),
    "aws_sagemaker_mlflow_tracking_server": ("tracking_server_name",),
    "aws_cloudwatch_metric_alarm": ("alarm_name",),
    "aws_cloudwatch_dashboard": ("dashboard_name",),
    "aws_kms_key": ("description",),
    "aws_sns_topic_subscription": ("endpoint",),
    "aws_iam_role_policy_attachment": ("policy_arn",),
}
