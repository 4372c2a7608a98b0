"""Model monitoring that every account can use: the evaluation script the monitoring pipeline runs.

`evaluate.py` is a standalone script (standard library and boto3 only): Terraform
uploads its text to the workspace's data bucket and a SageMaker processing job
runs it. This package only hands its text and digest to the CDK layer; it is
read from the installed package, never from the user's repository.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources

SCRIPT = "evaluate.py"


@lru_cache(maxsize=1)
def script_text() -> str:
    return resources.files(__name__).joinpath(SCRIPT).read_text(encoding="utf-8")


def script_sha256() -> str:
    return hashlib.sha256(script_text().encode("utf-8")).hexdigest()
