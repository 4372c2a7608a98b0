"""Helpers for reading synthesized Terraform JSON in tests (shared by the infra test folders)."""

from __future__ import annotations

from typing import Any


def strip_metadata(value: Any) -> Any:
    """Drop cdktn's `//` metadata keys (construct paths, versions) at every level."""
    if isinstance(value, dict):
        return {k: strip_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [strip_metadata(v) for v in value]
    return value


def resources(config: dict, resource_type: str) -> dict[str, dict]:
    return config.get("resource", {}).get(resource_type, {})
