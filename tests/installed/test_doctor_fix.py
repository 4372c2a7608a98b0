"""`provision doctor --fix` on a machine without Node 22: it installs `node@22` from the npm registry into
the user cache (never the org repository), and the next synth uses it.

Real npm, real registry (the house allows npm package installs): a temporary XDG_CACHE_HOME stands for
a user cache that has never seen provision. The machine's own Node on PATH is older than 22 (or absent),
which is exactly the case the fix is for; JSII_NODE is unset so nothing else can answer. On a machine whose
own Node is 22+, a shim named `node` first on PATH answers `--version` with v20.0.0 and runs the real Node
for everything else (npm's own scripts included): the product sees the old Node a user would have.
checkov is named through PROVISION_CHECKOV so that this test installs Node only (checkov's install is
the same code path with pip and takes minutes of downloads).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _no_node_22_path() -> str:
    """PATH without this checkout's .tools (Node 22): what a user who never ran `make setup` has."""
    return os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                           if p and ".tools" not in p and not p.startswith(str(ROOT)))


def _system_node_major(path: str) -> int:
    node = shutil.which("node", path=path)
    if node is None:
        return 0
    out = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    return int(out.lstrip("v").split(".")[0] or 0)


def _path_with_an_old_node(shims: Path) -> str:
    """The PATH of a user who never ran `make setup`; where the machine's own Node is 22+, a shim ahead of it
    says v20.0.0 when asked its version (see the module docstring)."""
    path = _no_node_22_path()
    real = shutil.which("node", path=path)
    if real is None or _system_node_major(path) < 22:
        return path
    shims.mkdir()
    shim = shims / "node"
    shim.write_text(f'#!/bin/sh\nif [ "$1" = "--version" ]; then echo v20.0.0; exit 0; fi\nexec {real} "$@"\n')
    shim.chmod(0o755)
    return os.pathsep.join([str(shims), path])


@pytest.mark.synth
@pytest.mark.skipif(shutil.which("npm", path=_no_node_22_path()) is None,
                    reason="NO NPM ON THIS MACHINE: `provision doctor --fix` needs it to install Node 22")
def test_doctor_fix_installs_node_22_into_the_user_cache_and_synth_uses_it(acme: Path, tmp_path: Path):
    # GIVEN an empty user cache, only an old Node on PATH and no JSII_NODE
    cache = tmp_path / "cache"
    env = {k: v for k, v in os.environ.items() if k not in ("JSII_NODE", "PYTHONPATH")}
    env.update({"PATH": _path_with_an_old_node(tmp_path / "shims"), "XDG_CACHE_HOME": str(cache),
                "PYTHONPATH": str(ROOT), "NO_COLOR": "1"})

    def provision(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "provisioner.cli.main", *args], cwd=acme, env=env,
                              capture_output=True, text=True, timeout=900)

    # WHEN a synth runs THEN it fails (exit 1) and says exactly how to get Node 22
    before = provision("synth", "churn-model", "--offline")
    assert before.returncode == 1
    assert "need 22+" in before.stderr and "provision doctor --fix" in before.stderr, before.stderr
    # WHEN `provision doctor --fix` runs (no terminal: progress comes as plain lines)
    fix = provision("doctor", "--fix", "--env", "sandbox")
    # THEN it installed node@22 into the user cache, showing npm's progress, and reports it from there
    node = cache / "provision" / "node" / "node_modules" / "node" / "bin" / "node"
    assert node.is_file(), fix.stdout + fix.stderr
    assert "installing node (CDK layer) ..." in fix.stderr and "npm" in fix.stderr
    assert "installed node (CDK layer): v22." in fix.stderr, fix.stderr
    assert f"from user cache ({node})" in fix.stdout, fix.stdout
    # AND nothing of it landed in the org repository
    assert not list(acme.rglob("node_modules"))
    # AND the next synth finds that Node and succeeds
    doctor = provision("doctor", "--env", "sandbox", "--output", "json")
    checks = {c["id"]: c for c in json.loads(doctor.stdout)}
    assert checks["node"]["status"] == "pass" and str(node) in checks["node"]["detail"]
    after = provision("synth", "churn-model", "--offline")
    assert after.returncode == 0, after.stderr
    assert (acme / "cdktf.out" / "stacks" / "churn-model" / "cdk.tf.json").is_file()
