"""The AWS behaviour moto lacks or answers differently, added to moto in the local cloud's server process.

One module per service or service area, built the way moto builds its own services: a backend mixin
(the state, one method per operation, typed errors) and a response mixin (one handler per operation),
grafted onto moto's own classes (`_moto.py`), so the server dispatches them like moto's operations, answers
are serialized from the botocore model and moto's reset clears their state. Each module declares
`OPERATIONS` (what it adds, and who needs it), `EXTENDED` (native moto calls whose behaviour it corrects)
and `install()`; its docstring says which AWS behaviour it follows, with the reference.

This package is the one registry: `install()` runs every module's, once per process, and returns the
operations added; `OPERATIONS` and `EXTENDED` are the modules' tables, which docs/local-cloud-extensions.md
shows (tests/localcloud/services/ keeps them in sync). An operation moto implements itself (a newer moto)
is left to moto and not reported as added.

It imports moto: only the local cloud's server process (provisioner/localcloud/server.py) and the tests
load it, never a command.
"""

from __future__ import annotations

import threading
from types import ModuleType

from provisioner.localcloud.services import (
    application_autoscaling,
    budgets,
    cloudtrail,
    cloudwatch_cbor,
    ecr,
    kms,
    logs,
    resourcegroupstagging,
    s3,
    sagemaker_endpoints,
    sagemaker_mlflow,
    sagemaker_monitoring,
    sagemaker_pipelines,
    sagemaker_registry,
    sagemaker_studio,
    sagemaker_tags,
)
from provisioner.localcloud.services._moto import Extension, Operation

# In install order, which is the order of the documentation's tables. A module adding a SageMaker resource kind
# registers it when imported; sagemaker_tags and resourcegroupstagging read that registry on every call.
SERVICES: tuple[ModuleType, ...] = (
    sagemaker_studio,
    sagemaker_mlflow,
    sagemaker_monitoring,
    sagemaker_registry,
    sagemaker_endpoints,
    sagemaker_pipelines,
    sagemaker_tags,
    resourcegroupstagging,
    budgets,
    application_autoscaling,
    logs,
    kms,
    s3,
    ecr,
    cloudwatch_cbor,
    cloudtrail,
)

OPERATIONS: tuple[Operation, ...] = tuple(entry for module in SERVICES for entry in module.OPERATIONS)
EXTENDED: tuple[Extension, ...] = tuple(entry for module in SERVICES for entry in module.EXTENDED)

_lock = threading.Lock()
_installed: list[str] | None = None


def install() -> list[str]:
    """Adds every module's operations and corrections to the moto backends of this process; returns
    `service:Operation` for each operation added. Idempotent: a second call adds nothing and returns the same."""
    global _installed
    with _lock:
        if _installed is None:
            _installed = [added for module in SERVICES for added in module.install()]
        return list(_installed)


__all__ = ["EXTENDED", "OPERATIONS", "SERVICES", "install"]
