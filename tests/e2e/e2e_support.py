"""Helpers of the e2e tier, shared by its conftest (fixture, summary line) and its tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_ORG = ROOT / "examples" / "acme"
LOCAL_ENV = "sandbox"
OUTCOMES: dict[str, str] = {}  # blueprint -> "passed" | "failed"


def aws_provider_build():
    """The cached build Terraform will use (the exact version, else the newest: PROVISION_AWS_PROVIDER=cache)."""
    from provisioner.engine import aws_provider

    return aws_provider.find_build(aws_provider.required_version()) or next(iter(aws_provider.cached_builds()), None)


def newest_example_per_blueprint() -> dict[str, Path]:
    """Blueprint name -> the example workspace of its newest version (every shipped blueprint has one),
    preferring one that already runs on the local cloud (its model and images are in that account)."""
    best: dict[str, tuple[tuple[int, ...], Path]] = {}
    for path in sorted((EXAMPLE_ORG / "workspaces").glob("*.yaml")):
        spec = yaml.safe_load(path.read_text())
        name, _, version = str(spec["blueprint"]).partition("@")
        key = (*(int(part) for part in version.split(".")), spec.get("environment") == LOCAL_ENV)
        if name not in best or key > best[name][0]:
            best[name] = (key, path)
    return {name: path for name, (_, path) in sorted(best.items())}


class LocalOrg:
    """A scratch copy of the example org whose workspaces run on its local cloud."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root, self.env = root, env

    def provision(self, *args: str, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "provisioner.cli.main", *args], cwd=self.root, env=self.env,
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if check and done.returncode != 0:
            raise AssertionError(f"provision {' '.join(args)} exited {done.returncode}\n--- stdout\n{done.stdout[-4000:]}"
                                 f"\n--- stderr\n{done.stderr[-4000:]}")
        return done


def record(blueprint: str, outcome: str) -> None:
    OUTCOMES[blueprint] = outcome
