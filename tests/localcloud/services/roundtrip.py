"""What the local cloud's service tests share: the account they act in, and `call`, which checks every answer
against the botocore output shape (required members present, types and enums as modelled).
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[3]
REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's default account
DOMAIN_NAME = "a1b2c3d4e5f6"  # moto names a domain's id d-<name>: the example org's Studio domain
DOMAIN_ID = f"d-{DOMAIN_NAME}"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/provision-test"
TAGS = [{"Key": "provision:workspace", "Value": "churn"}, {"Key": "team", "Value": "growth"}]


_TYPES = {
    "string": str, "boolean": bool, "integer": int, "long": int, "double": (int, float), "float": (int, float),
    "timestamp": datetime.datetime, "blob": bytes,
}


def _check_shape(shape: Any, value: Any, path: str, problems: list[str]) -> None:
    if shape.type_name == "structure":
        if not isinstance(value, dict):
            problems.append(f"{path}: expected a structure, got {type(value).__name__}")
            return
        for name in shape.required_members:
            if name not in value:
                problems.append(f"{path}.{name}: required member missing")
        for name, member_value in value.items():
            if name in shape.members:
                _check_shape(shape.members[name], member_value, f"{path}.{name}", problems)
            elif name != "ResponseMetadata":
                problems.append(f"{path}.{name}: not in the model")
    elif shape.type_name == "list":
        if not isinstance(value, list):
            problems.append(f"{path}: expected a list, got {type(value).__name__}")
            return
        for index, item in enumerate(value):
            _check_shape(shape.member, item, f"{path}[{index}]", problems)
    elif shape.type_name == "map":
        if not isinstance(value, dict):
            problems.append(f"{path}: expected a map, got {type(value).__name__}")
            return
        for key, item in value.items():
            _check_shape(shape.value, item, f"{path}[{key}]", problems)
    else:
        expected = _TYPES[shape.type_name]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            problems.append(f"{path}: expected {shape.type_name}, got {type(value).__name__} {value!r}")
        enum = getattr(shape, "enum", None)
        if enum and value not in enum:
            problems.append(f"{path}: {value!r} not one of {enum}")


def call(api: Any, operation: str, **params: Any) -> dict[str, Any]:
    """Calls OPERATION through boto3 and checks the answer against the botocore output shape."""
    response = getattr(api, re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower())(**params)
    output = api.meta.service_model.operation_model(operation).output_shape
    problems: list[str] = []
    if output is not None:
        _check_shape(output, response, operation, problems)
    assert problems == [], problems
    return response


def error_code(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def studio_domain(sm) -> str:
    sm.create_domain(
        DomainName=DOMAIN_NAME, AuthMode="IAM", DefaultUserSettings={"ExecutionRole": ROLE},
        SubnetIds=["subnet-0a1b2c3d4e5f60001"], VpcId="vpc-0a1b2c3d4e5f60001",
    )
    return DOMAIN_ID
