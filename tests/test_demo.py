"""`make demo` (scripts/demo.sh) runs here: the whole story on the local cloud, green, nothing left running.

The demo is a shell script of real `provision` commands; it runs in a scratch folder (PROVISION_DEMO_DIR).
Where this machine has no AWS provider, the demo says so and skips plan, apply, train and destroy; where it has
one (a mirror in PROVISION_PROVIDER_MIRROR or a build in the user cache), skipping them fails the test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.moto]  # the demo starts the local cloud (a moto server)

STEPS = ["sandbox start", "bootstrap sandbox", "blueprints list", "request vision-lab", "request studio-lab",
         "request too-big", "validate",
         "synth --all", "audit sandbox-serving", "env vision-lab", "endpoint weights sandbox-serving",
         "status sandbox-serving", "inventory --env sandbox", "doctor", "sandbox stop"]


def _server_gone(org: Path) -> bool:
    """No record of a running server, and every server process the demo started (its log names them) ended."""
    log = org / ".provision" / "sandbox" / "server.log"
    pids = [int(line.rsplit(" ", 1)[1]) for line in log.read_text().splitlines() if " server pid " in line]
    return bool(pids) and not (org / ".provision" / "sandbox" / "server.json").exists() \
        and not any(_alive(pid) for pid in pids)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ", 1)[1][:1] != "Z"


def _provider_present() -> bool:
    """What the demo looks for (scripts/demo.sh, aws_provider_build): a build in the user cache, or a mirror."""
    from provisioner.engine import aws_provider

    mirror = os.environ.get("PROVISION_PROVIDER_MIRROR")
    version = aws_provider.required_version()
    in_mirror = bool(mirror) and any(Path(mirror, "registry.terraform.io", "hashicorp", "aws", version).glob(
        f"*/terraform-provider-aws_v{version}*"))
    return in_mirror or bool(aws_provider.cached_builds())


def _demo(project_root: Path, tmp_path: Path, **extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PROVISION_DEMO_DIR": str(tmp_path / "demo"), "PYTHONPATH": str(project_root), **extra}
    env.pop("PROVISION_ORG", None)
    return subprocess.run(["bash", str(project_root / "scripts" / "demo.sh")], cwd=project_root, env=env,
                          capture_output=True, text=True, timeout=900)


def test_the_demo_tells_the_whole_story_and_leaves_nothing_running(project_root: Path, tmp_path: Path):
    # GIVEN a checkout with its tools  WHEN the demo runs
    done = _demo(project_root, tmp_path)
    # THEN it succeeds, every step ran with its one-line explanation, and it ended with the sandbox stopped
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for step in STEPS:
        assert f"$ provision {step}" in done.stdout, step
    assert done.stdout.count("\n# ") >= len(STEPS)
    assert "Demo done." in done.stdout
    org = tmp_path / "demo" / "acme"
    assert _server_gone(org)
    # AND the A/B endpoint on the local cloud is costed by the audit
    assert "Estimated monthly cost: $" in done.stdout and "sagemaker_endpoint" in done.stdout
    # AND the provider ran the apply steps where this machine has one; else the demo said in one line why not
    applied = "$ provision plan sandbox-serving" in done.stdout
    assert applied != ("no AWS provider" in done.stdout)
    assert applied == _provider_present(), ("the demo skipped plan and apply although this machine has an AWS "
                                            "provider" if not applied else "the demo applied without a provider?")
    if applied:
        # the whole loop ran: a model trained, approved and served, a member signed in to Studio, all destroyed
        for step in ("train vision-lab", "models approve vision-lab 1", "audit vision-lab",
                     "monitoring run sandbox-serving && monitoring report sandbox-serving",
                     "plan studio-lab && apply studio-lab && open studio-lab --member",
                     "destroy vision-lab, studio-lab and sandbox-serving"):
            assert f"$ provision {step}" in done.stdout, step
        assert "https://d-acmesandbox.studio.eu-west-1.sagemaker.aws/" in done.stdout
        # (watching works offline: the local cloud ran the evaluation, and the report has both variants)
        assert "monitoring run of sandbox-serving: Succeeded" in done.stdout
        assert "champion: 0 captured records" in done.stdout and "challenger: 0 captured records" in done.stdout


def test_a_failing_step_fails_the_demo_and_still_stops_the_local_cloud(project_root: Path, tmp_path: Path):
    # GIVEN a `provision` that fails at the validate step (any step failing is the same to the script)
    wrapper = tmp_path / "provision"
    wrapper.write_text(f'#!/bin/sh\n[ "$1" = validate ] && {{ echo "validate broke" >&2; exit 1; }}\n'
                       f'exec {sys.executable} -m provisioner.cli.main "$@"\n')
    wrapper.chmod(0o755)
    # WHEN the demo runs with it
    done = _demo(project_root, tmp_path, PROVISION_BIN=str(wrapper))
    # THEN the demo fails, stopping at that step
    assert done.returncode != 0
    assert "$ provision validate" in done.stdout and "$ provision synth --all" not in done.stdout
    # AND the trap stopped the sandbox it had started: no record, and the server process has ended
    org = tmp_path / "demo" / "acme"
    assert _server_gone(org)
