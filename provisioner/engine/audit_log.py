"""`.provision/audit.log`: one JSON line per plan, apply and destroy (who, what, where, with what, result, when).

Append-only, one `write()` per record under an exclusive lock, so concurrent
runs never interleave lines. No values from the plan, only counts and hashes.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provisioner.runtime import clock
from provisioner.errors import ProvisionError

LOG_FILE = "audit.log"


def who() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


def append(provision_dir: Path, record: dict[str, Any]) -> Path:
    provision_dir.mkdir(parents=True, exist_ok=True)
    path = provision_dir / LOG_FILE
    line = json.dumps(record, sort_keys=True, default=str) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line.encode())
    finally:
        os.close(fd)
    return path


def read(provision_dir: Path) -> list[dict[str, Any]]:
    path = provision_dir / LOG_FILE
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@dataclass
class AuditEntry:
    """Filled in while a command runs; written when it ends, whatever the outcome."""

    action: str
    workspace: str
    environment: str = ""
    engine: str = ""
    plan_hash: str = ""
    result: str = "failed"
    detail: dict[str, Any] = field(default_factory=dict)


def _result_of(exc: ProvisionError) -> str:
    from provisioner.engine.bundle import PlanOutdated
    from provisioner.engine.diagnostics import PlanStale, StateLocked

    if isinstance(exc, (PlanOutdated, PlanStale)):
        return "refused"
    if isinstance(exc, StateLocked):
        return "locked"
    return {130: "interrupted", 2: "invalid", 3: "blocked"}.get(exc.exit_code, "failed")


@contextmanager
def audited(provision_dir: Path, action: str, workspace: str, environment: str = "") -> Iterator[AuditEntry]:
    """Record the command in the audit log when it ends; the result follows the exception, if any."""
    entry = AuditEntry(action, workspace, environment)
    started = clock.now()
    try:
        yield entry
    except KeyboardInterrupt:
        entry.result = "interrupted"
        raise
    except ProvisionError as exc:
        if entry.result in ("failed", "ok"):
            entry.result = _result_of(exc)
        entry.detail.setdefault("error", exc.message)
        raise
    except BaseException as exc:
        entry.result = "failed"
        entry.detail.setdefault("error", f"{type(exc).__name__}: {exc}")
        raise
    finally:
        append(provision_dir, {
            "time": started.isoformat(timespec="seconds"),
            "seconds": round((clock.now() - started).total_seconds(), 1),
            "who": who(),
            "action": entry.action,
            "workspace": entry.workspace,
            "environment": entry.environment,
            "plan_hash": entry.plan_hash,
            "engine": entry.engine,
            "result": entry.result,
            **({"detail": entry.detail} if entry.detail else {}),
        })
