"""Secrets never leave the tool: find them, and mask them in every report.

A value is secret when its name looks secret (`password`, `token`, `api_key`,
...) or when it equals or contains a canary: the value of a workspace
parameter whose name looks secret. Reports are masked as a whole, just before
they are rendered, so no renderer can leak one by accident.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "****"
SECRET_NAME = re.compile(
    r"(?i)(secret|passw(or)?d|passphrase|token|api[_-]?key|private[_-]?key|credential|access[_-]?key|auth[_-]?key|client[_-]?secret)"
)
# Names that contain a secret-looking word but hold no secret.
NOT_SECRET_NAME = re.compile(r"(?i)(kms[_-]?key|key[_-]?(id|arn|name|spec|usage|rotation)|_arn$|token[_-]?(type|duration|ttl)|secret[_-]?arn)")
# Values that look like secrets whatever their name.
SECRET_VALUE = (
    re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),  # AWS access key id
    re.compile(r"-----BEGIN ([A-Z ]+ )?PRIVATE KEY-----"),
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),  # GitHub token
    re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"),  # Slack token
)
MIN_CANARY = 4


def looks_secret_name(name: str) -> bool:
    leaf = name.rsplit(".", 1)[-1]
    return bool(SECRET_NAME.search(leaf)) and not NOT_SECRET_NAME.search(leaf)


def secret_parameter_values(parameters: Mapping[str, Any]) -> list[str]:
    """String values of parameters whose (dotted) name looks secret, nested values included."""
    found: list[str] = []

    def walk(name: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, sub in value.items():
                walk(f"{name}.{key}", sub)
        elif isinstance(value, list):
            for sub in value:
                walk(name, sub)
        elif isinstance(value, str) and looks_secret_name(name) and len(value) >= MIN_CANARY:
            found.append(value)

    for key, value in parameters.items():
        walk(key, value)
    return found


def secret_value_kind(value: str) -> str | None:
    for pattern in SECRET_VALUE:
        if pattern.search(value):
            return "a credential-shaped value"
    return None


class Masker:
    def __init__(self, canaries: Iterable[str] = ()) -> None:
        self.canaries = sorted({c for c in canaries if isinstance(c, str) and len(c) >= MIN_CANARY}, key=len, reverse=True)

    def text(self, value: str) -> str:
        for canary in self.canaries:
            if canary in value:
                value = value.replace(canary, MASK)
        for pattern in SECRET_VALUE:
            value = pattern.sub(MASK, value)
        return value

    def mask(self, data: Any, key: str = "") -> Any:
        """A deep copy of `data` with secret values replaced by `****`."""
        if isinstance(data, Mapping):
            return {k: self.mask(v, str(k)) for k, v in data.items()}
        if isinstance(data, list):
            return [self.mask(v, key) for v in data]
        if isinstance(data, tuple):
            return [self.mask(v, key) for v in data]
        if isinstance(data, str):
            if key and looks_secret_name(key) and data and "${" not in data:
                return MASK
            return self.text(data)
        return data
