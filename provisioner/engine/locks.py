"""Is a workspace's state lock held? Read from where the backend keeps it, without taking it.

Terraform has no command that only looks at a lock, so after an interrupted or
failed apply provision checks the backend itself, to tell the user the truth:

- `local`: Terraform writes `.<state file>.lock.info` next to the state while it
  holds the lock and removes it when it lets go;
- `s3` with `use_lockfile`: the lock is the object `<key>.tflock` in the state
  bucket (read with boto3, through the backend's own endpoint if it sets one).

Other backends report `unknown`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class LockStatus:
    state: str  # released | held | unknown
    where: str
    holder: dict[str, Any] | None = None

    @property
    def held(self) -> bool:
        return self.state == "held"

    def describe(self) -> str:
        if self.state == "released":
            return f"the state lock is released ({self.where})"
        if self.state == "held":
            who = (self.holder or {}).get("Who", "?")
            lock_id = (self.holder or {}).get("ID", "?")
            return f"the state lock is still held by {who} (lock ID {lock_id}, {self.where})"
        return f"the state lock could not be checked ({self.where})"


def backend_of(config: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    backends = (config.get("terraform") or {}).get("backend") or {}
    if not backends:
        return "local", {}
    kind, settings = next(iter(backends.items()))
    if isinstance(settings, list):
        settings = settings[0] if settings else {}
    return kind, dict(settings or {})


def lock_status(stack_dir: Path) -> LockStatus:
    try:
        config = json.loads((Path(stack_dir) / "cdk.tf.json").read_text())
    except (OSError, ValueError):
        return LockStatus("unknown", "no synthesized config")
    kind, settings = backend_of(config)
    if kind == "local":
        state = Path(stack_dir) / settings.get("path", "terraform.tfstate")
        info = state.parent / f".{state.name}.lock.info"
        if info.is_file():
            try:
                holder = json.loads(info.read_text())
            except (OSError, ValueError):
                holder = None
            return LockStatus("held", str(info), holder)
        return LockStatus("released", str(info))
    if kind == "s3" and settings.get("use_lockfile"):
        return _s3_lock(settings)
    return LockStatus("unknown", f"{kind} backend")


def _s3_lock(settings: dict[str, Any]) -> LockStatus:
    bucket, key = settings.get("bucket", ""), f"{settings.get('key', '')}.tflock"
    where = f"s3://{bucket}/{key}"
    try:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        return LockStatus("unknown", where)
    endpoint = (settings.get("endpoints") or {}).get("s3") or settings.get("endpoint")
    options: dict[str, Any] = {"region_name": settings.get("region")}
    if endpoint:
        options["endpoint_url"] = endpoint
    if settings.get("use_path_style") or endpoint:
        options["config"] = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2})
    try:
        client = boto3.session.Session(profile_name=settings.get("profile")).client("s3", **options)
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
            return LockStatus("released", where)
        return LockStatus("unknown", where)
    except BotoCoreError:
        return LockStatus("unknown", where)
    try:
        holder = json.loads(body)
    except ValueError:
        holder = None
    return LockStatus("held", where, holder)
