"""Helpers for the CDK layer tests (a module of its own: conftest files are not imported by tests)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from tf_json import resources, strip_metadata  # noqa: F401 (re-exported to the tests)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_ORG_FILE = PROJECT_ROOT / "examples" / "acme" / "provision.yaml"
SNAPSHOT_DIR = Path(__file__).resolve().parent / "snapshots"


def policy(config: dict, resource_type: str, name: str, attribute: str = "policy") -> dict:
    return json.loads(resources(config, resource_type)[name][attribute])


def statements_by_sid(document: dict) -> dict[str, dict]:
    return {s["Sid"]: s for s in document["Statement"]}


def access_policy_statements(config: dict) -> dict[str, dict]:
    """Statements of the workspace access policy by Sid, across all its parts (access_policy, access_policy_2, ...)."""
    found: dict[str, dict] = {}
    for name, body in sorted(resources(config, "aws_iam_policy").items()):
        if name == "access_policy" or name.startswith("access_policy_"):
            for item in json.loads(body["policy"])["Statement"]:
                assert item["Sid"] not in found, f"Sid {item['Sid']} in two parts"
                found[item["Sid"]] = item
    return found


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def with_state(ctx: Any, **changes: Any) -> Any:
    """The context with its environment's state settings changed."""
    state = ctx.env.state.model_copy(update=changes)
    return dataclasses.replace(ctx, env=ctx.env.model_copy(update={"state": state}))


def with_params(ctx: Any, **changes: Any) -> Any:
    """The context with effective parameters changed (`training__instance_types` -> `training.instance_types`)."""
    parameters = {**ctx.parameters, **{k.replace("__", "."): v for k, v in changes.items()}}
    return dataclasses.replace(ctx, parameters=parameters)
