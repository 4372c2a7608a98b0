"""`provision` as users get it: a wheel installed into a fresh virtualenv, run in a new org repository
far from this checkout, with nothing but the installed package and the user cache.

How the virtualenv gets its dependencies, and why that is honest:
the wheel is installed by pip *with* dependency resolution (no `--no-deps`), offline (`--no-index`),
into a fresh `python -m venv` that does not see the system or the project's site-packages. Downloading
~1.5 GB of pinned dependencies (jsii, the AWS provider bindings, boto3, ...) on every run would make the
test cost minutes and the network; instead one `.pth` line offers pip a folder of links to the already
installed *dependencies* of the project's virtualenv -- never `provision`'s own code or metadata (the
editable install of this checkout, `provisioner`, `infra`, and every `.pth` hook are left out). pip then
checks every pin of the wheel's metadata against what it finds and fails if one is unmet; the tool's
code, data files (blueprints, release lock, price table) and `provision` entry point come only from the
wheel. Python never imports from the checkout: PYTHONPATH is cleared and the test asserts where
`provisioner` and `infra` load from.

Runtimes come from the user cache, the way `provision doctor --fix` leaves them: `XDG_CACHE_HOME` points
at a temporary folder whose `provision/node` and `provision/checkov-venv` link to the ones `make setup`
or `doctor --fix` installed (the layout `doctor --fix` writes; tests/installed/test_doctor_fix.py covers the
install itself). No JSII_NODE and no PROVISION_CHECKOV: the tool has to find them there. On a machine whose
own Node on PATH is 22+ and which has no npm-prefix Node, the tool finds that one on PATH instead
(tests/installed/node_runtime.py): the tier runs on both kinds of machine.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from node_runtime import NODE, NO_NODE_REASON

ROOT = Path(__file__).resolve().parents[2]
DEV_CHECKOV = ROOT / ".tools" / "checkov-venv"
SOURCES = ["pyproject.toml", "README.md", "provisioner", "infra", "blueprints"]

pytestmark = [pytest.mark.synth, pytest.mark.skipif(NODE is None, reason=NO_NODE_REASON)]


def _dependency_links(into: Path) -> None:
    """Links to every installed distribution of this virtualenv except provision itself (see the docstring)."""
    site = Path(next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()))
    into.mkdir()
    for entry in site.iterdir():
        name = entry.name
        if (name.startswith(("provision-", "provision.", "provisioner_ml-", "__editable__")) or name.endswith(".pth")
                or name in ("provisioner", "infra", "__pycache__")):
            continue
        (into / name).symlink_to(entry)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("installed")
    # GIVEN an sdist and, built from it, a wheel, as `make dist` makes them, from a clean copy of the sources
    # (the checkout gets no build droppings; the build backend is the virtualenv's, so no download)
    source = base / "src"
    source.mkdir()
    for name in SOURCES:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
        else:
            shutil.copy(origin, source / name)
    build = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(base / "dist"),
                            str(source)], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    [wheel] = (base / "dist").glob("provisioner_ml-*.whl")
    # AND a fresh virtualenv (no system site-packages) with the wheel installed, dependencies resolved by pip
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    _dependency_links(base / "deps")
    [site] = (venv / "lib").glob("python3*/site-packages")
    (site / "_test_dependencies.pth").write_text(f"{base / 'deps'}\n")
    pip = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
                          "--no-index", "--no-cache-dir", "--disable-pip-version-check", str(wheel)],
                         capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stdout[-2000:] + pip.stderr[-2000:]
    # AND a user cache holding Node 22 (when it is an npm-prefix install; else it stays on PATH) and checkov,
    # where `provision doctor --fix` puts them
    cache = base / "cache"
    (cache / "provision").mkdir(parents=True)
    if NODE.npm_prefix is not None:
        (cache / "provision" / "node").symlink_to(NODE.npm_prefix.resolve())
    if DEV_CHECKOV.exists():
        (cache / "provision" / "checkov-venv").symlink_to(DEV_CHECKOV.resolve())
    keep = ("HOME", "LANG", "LC_ALL", "TMPDIR", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE")
    env = {k: v for k, v in os.environ.items() if k in keep}
    path = [str(venv / "bin")] + [p for p in os.environ.get("PATH", "").split(os.pathsep)
                                  if p and ".tools" not in p and not p.startswith(str(ROOT))]
    if NODE.npm_prefix is None:
        path.insert(1, NODE.folder)  # the machine's own Node 22+, ahead of any older one
    env.update({"PATH": os.pathsep.join(path), "XDG_CACHE_HOME": str(cache), "AWS_EC2_METADATA_DISABLED": "true",
                "CHECKPOINT_DISABLE": "1", "NO_COLOR": "1"})
    work = base / "work"
    work.mkdir()
    return {"venv": venv, "env": env, "work": work, "cache": cache, "wheel": wheel}


def provision(installed: dict, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(installed["venv"] / "bin" / "provision"), *args], cwd=cwd or installed["work"],
                          env=installed["env"], capture_output=True, text=True, timeout=600)


def test_the_wheel_carries_the_shipped_data_and_imports_only_from_itself(installed: dict):
    # GIVEN the installed wheel
    python = installed["venv"] / "bin" / "python"
    # WHEN Python says where the tool's packages and data come from
    probe = subprocess.run([str(python), "-c", (
        "import json, provisioner, infra, provisioner.monitoring as monitoring\n"
        "from provisioner.runtime.locations import shipped_blueprints_dir, shipped_price_table\n"
        "assert 'def main' in monitoring.script_text()  # the evaluation script the monitoring pipeline uploads\n"
        "print(json.dumps([provisioner.__file__, infra.__file__, str(shipped_blueprints_dir()), "
        "str(shipped_price_table()), monitoring.__file__]))")], cwd=installed["work"], env=installed["env"],
        capture_output=True, text=True)
    # THEN all of it is inside the virtualenv (with the evaluation script), the release lock next to the blueprints
    assert probe.returncode == 0, probe.stderr
    site = str(installed["venv"].resolve())
    paths = json.loads(probe.stdout)
    assert all(p.startswith(site) for p in paths), paths
    assert (Path(paths[2]) / "RELEASED.sha256").is_file()
    assert (Path(paths[2]) / "gpu-training" / "1.0.0.yaml").is_file()


def test_a_new_org_repository_works_from_init_to_audit(installed: dict):
    # GIVEN the installed tool, run far from this checkout
    version = provision(installed, "--version")
    assert version.returncode == 0 and version.stdout.startswith("provision 0."), version.stdout + version.stderr
    # WHEN a platform engineer scaffolds an org repository
    init = provision(installed, "init", "my-org", "--org-name", "wheelco", "--account-id", "123456789012")
    assert init.returncode == 0, init.stderr
    org = installed["work"] / "my-org"
    # THEN the runtimes are found in the user cache (Node: on PATH on a machine whose own Node is 22+)
    doctor = provision(installed, "doctor", "--output", "json", cwd=org)
    checks = {c["id"]: c for c in json.loads(doctor.stdout)}
    where = "from user cache" if NODE.npm_prefix is not None else "from PATH"
    assert checks["node"]["status"] == "pass" and where in checks["node"]["detail"], checks["node"]
    if DEV_CHECKOV.exists():
        assert "from user cache" in checks["checkov"]["detail"], checks["checkov"]
    # AND a workspace requested from a shipped blueprint validates, synthesizes and audits
    request = provision(installed, "request", "vision", "--blueprint", "gpu-training", "--env", "dev",
                        "--owner", "ann@example.com", "--team", "cv", "--tag", "cost-center=cc-1", cwd=org)
    assert request.returncode == 0, request.stderr
    assert "gpu-training@1.0.0" in (org / "workspaces" / "vision.yaml").read_text()
    validate = provision(installed, "validate", cwd=org)
    assert validate.returncode == 0, validate.stderr
    synth = provision(installed, "synth", "vision", "--offline", cwd=org)
    assert synth.returncode == 0, synth.stderr
    config = json.loads((org / "cdktf.out" / "stacks" / "vision" / "cdk.tf.json").read_text())
    assert config["terraform"]["backend"]["s3"]["bucket"] == "wheelco-provision-state-dev"
    assert any(name.startswith("wheelco-") for name in
               (b["bucket"] for b in config["resource"]["aws_s3_bucket"].values()))
    audit = provision(installed, "audit", "vision", "--format", "json", cwd=org)
    assert audit.returncode == 0, audit.stderr
    report = json.loads(audit.stdout)
    assert report["workspace"]["name"] == "vision" and report["workspace"]["org"] == "wheelco"
    assert report["summary"]["blocked"] is False and report["summary"]["resources"] > 0
    assert report["tool"]["version"] == version.stdout.split()[1]
    if DEV_CHECKOV.exists():
        assert report["summary"]["checkov"] == "ok", audit.stderr
    # AND nothing was written into the checkout or outside the org and the user cache
    assert not (ROOT / "my-org").exists()
