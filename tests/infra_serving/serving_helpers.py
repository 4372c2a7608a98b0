"""Helpers of the serving/monitoring/experiments tests (a module of its own: conftest files are not imported)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tf_json import resources, strip_metadata  # noqa: F401 (re-exported to the tests)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_ORG = PROJECT_ROOT / "examples" / "acme"
SNAPSHOT_DIR = Path(__file__).resolve().parent / "snapshots"
# What the fake `latest-approved` lookup of the synth fixture answers (see conftest.py).
RESOLVED_VERSION = 7

# A one-variant endpoint with a shadow: the production model from an image in an AWS account's ECR
# repository with model data in the artifacts bucket, the shadow from the workspace registry.
SHADOW_SPEC = """\
name: search-shadow
blueprint: realtime-endpoint@1.0.0
environment: dev
owner: erin@example.com
team: search
tags: {cost-center: cc-4242}
parameters:
  serving:
    image_uri: 763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311
    model_data: models/ranker/v12/model.tar.gz
    variants:
      - {name: live, instance_type: ml.m5.large, initial_instance_count: 2, weight: 1, min_instances: 2, max_instances: 6}
    shadow_variant:
      name: candidate
      instance_type: ml.c5.xlarge
      model_package: arn:aws:sagemaker:eu-west-1:111111111111:model-package/acme-search-shadow-dev-models/2
    data_capture_percentage: 10
"""


def copy_org(target: Path) -> Path:
    shutil.copytree(EXAMPLE_ORG, target, ignore=shutil.ignore_patterns(".provision", "cdktf.out"))
    return target


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """JSON paths where two documents differ (keys missing on either side count)."""
    if isinstance(a, dict) and isinstance(b, dict):
        found = []
        for key in sorted(set(a) | set(b)):
            sub = f"{path}.{key}" if path else key
            if key not in a or key not in b:
                found.append(sub)
            else:
                found.extend(differences(a[key], b[key], sub))
        return found
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [path]
        found = []
        for index, (x, y) in enumerate(zip(a, b)):
            found.extend(differences(x, y, f"{path}[{index}]"))
        return found
    return [] if a == b else [path]


def addresses(config: dict) -> set[str]:
    return {f"{t}.{n}" for t, items in config.get("resource", {}).items() for n in items}


def statements(document: str | dict) -> dict[str, dict]:
    doc = json.loads(document) if isinstance(document, str) else document
    return {s["Sid"]: s for s in doc["Statement"]}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]
