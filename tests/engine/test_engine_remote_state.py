"""Remote state on the S3 backend with native locking (`use_lockfile`), against a moto server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
import pytest
import yaml
from engine_support import GATE_ENV, Gate, null_resource, s3_backend, write_stack, make_lifecycle

from provisioner.engine.audit_log import read as read_audit
from provisioner.engine.bundle import PlanOutdated
from provisioner.engine.diagnostics import StateLocked
from provisioner.engine.operations import Stack
from provisioner.errors import OperationFailed

pytestmark = [pytest.mark.terraform, pytest.mark.moto]

DRIVER = Path(__file__).resolve().parent / "engine_cli_driver.py"
KEY = "workspaces/lab/terraform.tfstate"


def _s3():
    return boto3.client("s3", region_name="eu-west-1")


def _objects(bucket: str) -> list[str]:
    return sorted(o["Key"] for o in _s3().list_objects_v2(Bucket=bucket).get("Contents", []))


def _remote_state(bucket: str) -> dict:
    return json.loads(_s3().get_object(Bucket=bucket, Key=KEY)["Body"].read())


def _stack(folder: Path, env: dict[str, str], resources: dict) -> Stack:
    write_stack(folder, resources, backend=s3_backend(env["endpoint"], env["bucket"], KEY))
    return Stack("lab", "moto", folder, blueprint_ref="null@1.0.0")


def test_second_concurrent_apply_fails_fast_naming_the_lock_holder(tmp_path: Path, embedded, moto_stack_env):
    # GIVEN two people with their own checkout and saved plan for the same workspace (one slow resource)
    gate = Gate(tmp_path / "gate")
    resources = {"slow": null_resource({"v": "1"}, gate=gate)}
    first, second = (make_lifecycle(tmp_path / who / ".provision", embedded) for who in ("ann", "bob"))
    ann = _stack(tmp_path / "ann" / "stack", moto_stack_env, resources)
    bob = _stack(tmp_path / "bob" / "stack", moto_stack_env, resources)
    first.plan(ann)
    second.plan(bob)

    # WHEN Ann's apply is running and holds the lock ...
    started = threading.Event()
    outcome: dict = {}

    def watch(event: dict) -> None:
        if event.get("type") == "apply_start":
            started.set()

    runner = threading.Thread(target=lambda: outcome.setdefault("ann", first.apply(ann, on_event=watch)))
    runner.start()
    assert started.wait(30), "the first apply never started"
    gate.wait_started()  # Ann's resource is being created: her apply holds the lock until the gate opens
    # ... and Bob applies too
    try:
        with pytest.raises(StateLocked) as locked:
            second.apply(bob)
    finally:
        gate.open()
        runner.join(60)

    # THEN Bob's apply fails on the held lock (had it waited for the lock, it would have got it and applied),
    # naming who holds the lock, for what, and its ID
    lock = locked.value.lock
    assert lock.operation == "OperationTypeApply" and lock.who and lock.id
    assert lock.path == f"{moto_stack_env['bucket']}/{KEY}"
    assert lock.who in locked.value.message and lock.id in locked.value.message
    assert f"provision unlock lab {lock.id}" in locked.value.hint
    # AND Ann's apply completed, the state is intact and the lock object is gone
    assert outcome["ann"].status == "applied"
    state = _remote_state(moto_stack_env["bucket"])
    assert [r["name"] for r in state["resources"]] == ["slow"]
    assert state["serial"] > 0 and state["lineage"]
    assert state["resources"][0]["instances"][0].get("status") != "tainted"
    assert _objects(moto_stack_env["bucket"]) == [KEY]
    # AND Bob's plan, made before Ann's apply, is now refused as stale
    with pytest.raises(PlanOutdated, match="state of lab changed"):
        second.apply(bob)


def test_a_lock_left_by_a_crashed_run_is_named_and_released_by_unlock(tmp_path: Path, lifecycle, moto_stack_env):
    # GIVEN a workspace whose state lock was left behind by a run that died
    stack = _stack(tmp_path / "stack", moto_stack_env, {"one": null_resource()})
    lock_id = "4b4ab5f2-0000-4000-8000-00000000dead"
    _s3().put_object(Bucket=moto_stack_env["bucket"], Key=f"{KEY}.tflock", Body=json.dumps({
        "ID": lock_id, "Operation": "OperationTypeApply", "Info": "", "Who": "ci@runner-7", "Version": "1.15.5",
        "Created": "2026-01-02T03:04:05Z", "Path": f"{moto_stack_env['bucket']}/{KEY}"}).encode())

    # WHEN a plan runs
    with pytest.raises(StateLocked) as locked:
        lifecycle.plan(stack)
    # THEN it fails naming the holder and the lock ID
    assert "ci@runner-7" in locked.value.message and lock_id in locked.value.message

    # WHEN the lock is released with unlock
    lifecycle.unlock(stack, lock_id)
    # THEN the lock object is gone and the plan works
    assert _objects(moto_stack_env["bucket"]) == []
    assert lifecycle.plan(stack).plan_summary.counts["create"] == 1


@pytest.fixture
def moto_org(null_org: Path, moto_stack_env: dict[str, str]) -> Path:
    """The null org with an environment `moto` whose S3 state lives on the moto server; `lab` moves there."""
    org_file = null_org / "provision.yaml"
    config = yaml.safe_load(org_file.read_text())
    config["environments"]["moto"] = {
        "account_id": "123456789012", "region": "eu-west-1",
        "state": {"backend": "s3", "bucket": moto_stack_env["bucket"], "key_prefix": "workspaces",
                  "endpoint": moto_stack_env["endpoint"]},
    }
    org_file.write_text(yaml.safe_dump(config, sort_keys=False))
    spec = null_org / "workspaces" / "lab.yaml"
    spec.write_text(spec.read_text().replace("environment: trial", "environment: moto"))
    return null_org


def test_ctrl_c_during_apply_is_forwarded_once_and_leaves_consistent_state_and_no_lock(
        moto_org: Path, moto_stack_env: dict[str, str], run_cli, monkeypatch: pytest.MonkeyPatch):
    # GIVEN a saved plan for a workspace with a slow resource, and provision applying it in its own process
    gate = Gate(moto_org / "gate")
    monkeypatch.setenv(GATE_ENV, str(gate.started.parent))
    assert run_cli("plan", "lab").code == 0
    process = subprocess.Popen([sys.executable, str(DRIVER), "apply", "lab", "--yes", "--skip-preflight"], cwd=moto_org,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    lines: list[str] = []
    deadline = time.monotonic() + 300  # a bound for a broken run only: a busy 2-core machine is slow, not wrong
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        if "null_resource.slow" in line and "create" in line:
            break
    assert any("null_resource.slow" in line for line in lines), "".join(lines)

    # WHEN the user presses Ctrl-C (SIGINT to provision) while the slow resource is being created
    gate.wait_started()
    process.send_signal(signal.SIGINT)
    # (once provision has passed the interrupt on, the resource may finish: Terraform starts nothing after it)
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        lines.append(line)
        if not line or "asking Terraform to stop safely" in line:
            break
    gate.open()
    out, err = process.communicate(timeout=60)
    err = "".join(lines) + err

    # THEN provision forwards it, Terraform stops gracefully, and the run ends with exit 130
    assert process.returncode == 130, err
    assert "asking Terraform to stop safely" in err
    error = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "apply of lab interrupted" in error[0], err
    assert "the state lock is released" in error[0]
    # AND no lock is held, and the state is consistent: it holds exactly what was applied
    bucket = moto_stack_env["bucket"]
    assert _objects(bucket) == [KEY]
    state = _remote_state(bucket)
    names = {r["name"] for r in state["resources"]}
    assert {"artifacts", "parameters", "tags"} <= names and "after_slow" not in names
    # AND the audit log recorded the interruption
    assert read_audit(moto_org / ".provision")[-1]["result"] == "interrupted"
    # AND the next plan takes the lock without trouble and shows what is left to do
    replan = run_cli("plan", "lab", "--output", "json")
    assert replan.code == 0, replan.err
    left = {c["address"] for c in json.loads(replan.out)["summary"]["changes"]}
    assert "null_resource.after_slow" in left and "null_resource.artifacts" not in left
    shutil.rmtree(moto_org / ".provision" / "plans", ignore_errors=True)


def _instances(state: dict) -> dict[str, list[dict]]:
    """Resource name -> its instances in a state (id, status), to see duplicates and replacements."""
    return {r["name"]: [{"id": i["attributes"]["id"], "status": i.get("status", "")} for i in r["instances"]]
            for r in state["resources"] if r.get("mode") == "managed"}


def test_an_interrupted_apply_converges_on_rerun_with_nothing_duplicated_or_lost(
        moto_org: Path, moto_stack_env: dict[str, str], run_cli, monkeypatch: pytest.MonkeyPatch):
    # GIVEN a saved plan for a workspace whose slow resource stands for a long-running one (a tracking server)
    monkeypatch.setenv("ENGINE_TEST_SLOW_SECONDS", "20")
    assert run_cli("plan", "lab").code == 0
    process = subprocess.Popen([sys.executable, str(DRIVER), "apply", "lab", "--yes", "--skip-preflight"], cwd=moto_org,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    lines: list[str] = []
    # WHEN Ctrl-C arrives the moment Terraform reports it started creating the slow resource (an event, no sleep)
    for line in process.stderr:
        lines.append(line)
        if "null_resource.slow" in line and "create" in line:
            process.send_signal(signal.SIGINT)
            break
    out, err = process.communicate(timeout=90)
    err = "".join(lines) + err
    assert process.returncode == 130, err
    bucket = moto_stack_env["bucket"]
    before = _instances(_remote_state(bucket))
    # THEN what finished before the interrupt is in the state once; the interrupted resource is at most half-made
    assert all(len(before[name]) == 1 for name in ("artifacts", "parameters", "tags")), before
    assert "after_slow" not in before

    # WHEN the workspace is planned and applied again
    replan = run_cli("plan", "lab", "--output", "json")
    assert replan.code == 0, replan.err
    left = {c["address"]: c["action"] for c in json.loads(replan.out)["summary"]["changes"]}
    monkeypatch.setenv("ENGINE_TEST_SLOW_SECONDS", "0")
    rerun = run_cli("plan", "lab")
    assert rerun.code == 0, rerun.err
    applied = run_cli("apply", "lab", "--yes", "--skip-preflight")
    assert applied.code == 0, applied.err
    after = _instances(_remote_state(bucket))
    # THEN the re-run picked up only what was left (the interrupted resource and what follows it)
    assert "null_resource.after_slow" in left and not {"null_resource.artifacts", "null_resource.parameters",
                                                        "null_resource.tags"} & set(left), left
    # AND every resource is in the state exactly once, healthy; those made before the interrupt kept their ids
    assert sorted(after) == ["after_slow", "artifacts", "parameters", "slow", "tags"]
    assert all(len(instances) == 1 and instances[0]["status"] != "tainted" for instances in after.values()), after
    assert {name: after[name] for name in ("artifacts", "parameters", "tags")} == {
        name: before[name] for name in ("artifacts", "parameters", "tags")}
    # AND a third plan has nothing left to do: converged
    final = run_cli("plan", "lab")
    assert final.code == 0 and "No changes" in final.out, final.out + final.err
    shutil.rmtree(moto_org / ".provision" / "plans", ignore_errors=True)


def test_cli_unlock_releases_a_stale_lock_after_confirmation(moto_org: Path, moto_stack_env: dict[str, str], run_cli):
    # GIVEN a stale lock on the workspace's state
    bucket = moto_stack_env["bucket"]
    _s3().put_object(Bucket=bucket, Key=f"{KEY}.tflock", Body=json.dumps({
        "ID": "stale-lock-1", "Operation": "OperationTypePlan", "Who": "bob@laptop", "Version": "1.15.5",
        "Created": "2026-01-02T03:04:05Z", "Path": f"{bucket}/{KEY}", "Info": ""}).encode())
    # ... which blocks a plan, and the error says how to release it
    blocked = run_cli("plan", "lab")
    assert blocked.code == 1
    assert "locked by bob@laptop" in blocked.err and "provision unlock lab stale-lock-1" in blocked.err

    # WHEN the user unlocks it (confirming with --yes)
    result = run_cli("unlock", "lab", "stale-lock-1", "--yes")

    # THEN the warning is shown, the lock is released and planning works again
    assert result.code == 0, result.err
    assert "warning:" in result.err and "released lock stale-lock-1" in result.out
    assert _objects(bucket) == []
    assert run_cli("plan", "lab").code == 0


def test_when_the_backend_fails_at_the_end_of_an_apply_errored_state_is_kept_and_blocks_the_next_run(
        tmp_path: Path, lifecycle, moto_stack_env):
    # GIVEN a saved plan whose only resource is slow
    gate = Gate(tmp_path / "gate")
    stack = _stack(tmp_path / "stack", moto_stack_env, {"slow": null_resource({"v": "1"}, gate=gate)})
    lifecycle.plan(stack)
    bucket = moto_stack_env["bucket"]

    # WHEN the state bucket disappears while the apply runs (the backend cannot take the new state)
    def lose_bucket(event: dict) -> None:
        if event.get("type") == "apply_start":
            s3 = _s3()
            for key in _objects(bucket):
                s3.delete_object(Bucket=bucket, Key=key)
            s3.delete_bucket(Bucket=bucket)
            gate.open()  # only now may the resource finish and Terraform try to save the state

    outcome = lifecycle.apply(stack, on_event=lose_bucket)

    # THEN the apply is reported failed, Terraform's errored.tfstate is left where it wrote it, and a copy is kept
    assert outcome.status == "failed"
    assert outcome.done == [("null_resource.slow", "create")]
    assert outcome.errored_state == stack.stack_dir / "errored.tfstate"
    errored = json.loads(outcome.errored_state.read_text())
    assert [r["name"] for r in errored["resources"]] == ["slow"]
    assert outcome.rescued_state is not None and outcome.rescued_state.parent == tmp_path / ".provision" / "rescue" / "lab"
    assert json.loads(outcome.rescued_state.read_text()) == errored
    from provisioner.engine.operations import outcome_error

    assert "Terraform could not save the state and wrote it to" in outcome_error(outcome).message
    # AND the next plan refuses to run until that state is pushed, saying how
    with pytest.raises(OperationFailed, match="could not save its state") as refused:
        lifecycle.plan(stack)
    assert "terraform state push errored.tfstate" in refused.value.hint
    assert outcome.errored_state.is_file()
