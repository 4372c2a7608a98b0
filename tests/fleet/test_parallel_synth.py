"""Large fleets synthesize in worker processes: the output is the same as one process's, file for file."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.catalog.loader import Catalog
from provisioner.models.org import load_org
from provisioner.specs.workspaces import load_all
from provisioner.synthesis.synth import PARALLEL_MIN, synth_workers, synthesize


def test_worker_count_follows_the_fleet_size(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("PROVISION_SYNTH_WORKERS", raising=False)
    assert synth_workers(1) == 1 and synth_workers(PARALLEL_MIN - 1) == 1
    assert synth_workers(200) == min(2, __import__("os").cpu_count() or 1)
    monkeypatch.setenv("PROVISION_SYNTH_WORKERS", "3")
    assert synth_workers(2) == 2 and synth_workers(200) == 3


def test_two_workers_write_the_same_configs_as_one_process(acme: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch):
    # GIVEN the example org's workspaces
    org = load_org(acme / "provision.yaml")
    contexts = load_all(org, Catalog.for_org(org))
    state = acme / ".provision" / "state"
    # WHEN they are synthesized in this process, and again split over two worker processes
    monkeypatch.setenv("PROVISION_SYNTH_WORKERS", "1")
    one = synthesize(contexts, tmp_path / "one", state_root=state, force=True)
    monkeypatch.setenv("PROVISION_SYNTH_WORKERS", "2")
    two = synthesize(contexts, tmp_path / "two", state_root=state, force=True)
    # THEN every workspace's files are identical, and nothing is left behind in the output folders
    assert [r.name for r in one] == [r.name for r in two] == [c.name for c in contexts]
    for a, b in zip(one, two):
        assert a.resources == b.resources and a.notes == b.notes
        for name in ("cdk.tf.json", "sagemaker-defaults.yaml"):
            left, right = (a.stack_dir / name).read_text(), (b.stack_dir / name).read_text()
            # a local backend's relative state path differs only because the output folders differ
            assert left.replace("/one/", "/x/").replace("../one", "../x") == right.replace("/two/", "/x/").replace("../two", "../x")
    assert not list((tmp_path / "two").glob(".synth-*"))


def test_fails_when_a_worker_cannot_build_a_workspace_and_keeps_the_previous_output(
        acme: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import dataclasses

    from provisioner.errors import OperationFailed

    # GIVEN the example org's workspaces, one of whose blueprints lists a capability nothing builds,
    # and a previous synth output of that workspace
    org = load_org(acme / "provision.yaml")
    contexts = load_all(org, Catalog.for_org(org))
    odd = contexts[-1]
    blueprint = odd.blueprint.model_construct(**{**dict(odd.blueprint), "capabilities": ["foundation", "no-such"]})
    contexts[-1] = dataclasses.replace(odd, blueprint=blueprint)
    previous = tmp_path / "out" / "stacks" / odd.name / "cdk.tf.json"
    previous.parent.mkdir(parents=True)
    previous.write_text('{"previous": true}')
    # WHEN they are synthesized by two worker processes
    monkeypatch.setenv("PROVISION_SYNTH_WORKERS", "2")
    with pytest.raises(OperationFailed) as raised:
        synthesize(contexts, tmp_path / "out", state_root=acme / ".provision" / "state", force=True)
    # THEN the worker's error arrives whole (message and hint), and nothing was written or left behind
    assert "'no-such'" in raised.value.message and "buildable capabilities" in raised.value.hint
    assert previous.read_text() == '{"previous": true}'
    assert [p.name for p in (tmp_path / "out" / "stacks").iterdir()] == [odd.name]
    assert not list((tmp_path / "out").glob(".synth-*"))


def test_workers_start_ahead_only_when_every_workspace_will_be_synthesized(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch):
    from provisioner.synthesis.synth import start_ahead

    monkeypatch.setenv("PROVISION_SYNTH_WORKERS", "2")
    names = [f"ws-{i:02d}" for i in range(30)]
    (tmp_path / "out" / "stacks" / "ws-07").mkdir(parents=True)
    (tmp_path / "out" / "stacks" / "ws-07" / "cdk.tf.json").write_text("{}")
    # GIVEN output of a previous synth  THEN a plain synth may reuse it: no workers ahead (the cache decides)
    assert start_ahead(names, tmp_path / "out", force=False) is None
    # GIVEN no previous output, or --force  THEN the workers start ahead
    for out, force in ((tmp_path / "fresh", False), (tmp_path / "out", True)):
        workers = start_ahead(names, out, force=force)
        assert workers is not None and workers.count == 2
        # WHEN the run ends before they are used (say, a spec is invalid)  THEN they are stopped at once
        workers.close()
        assert workers.count == 0
    # GIVEN one worker configured  THEN this process synthesizes: nothing to start
    monkeypatch.setenv("PROVISION_SYNTH_WORKERS", "1")
    assert start_ahead(names, tmp_path / "fresh", force=True) is None


def test_synth_all_with_workers_started_ahead_writes_every_workspace(acme: Path, run,
                                                                     monkeypatch: pytest.MonkeyPatch):
    # GIVEN the example org, never synthesized, and two synth workers configured
    monkeypatch.setenv("PROVISION_SYNTH_WORKERS", "2")
    # WHEN every workspace is synthesized
    result = run("synth", "--all", "--offline")
    # THEN each one is written, by the workers started before the specs were loaded
    assert result.code == 0, result.err
    written = sorted(p.parent.name for p in (acme / "cdktf.out" / "stacks").glob("*/cdk.tf.json"))
    assert written == sorted(p.stem for p in (acme / "workspaces").glob("*.yaml"))


def test_binding_type_checks_are_skipped_outside_tests_and_debug(monkeypatch: pytest.MonkeyPatch):
    """Runs in a fresh interpreter: skipping the checks lasts for the life of a process."""
    import subprocess
    import sys

    probe = ("import jsii._type_checking as c; from provisioner.synthesis.synth import _start_cdk; _start_cdk(); "
             "c.check_type(argname='a', value=1, expected_type=str); print('unchecked')")
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("PROVISION_TYPE_CHECKS", "PROVISION_DEBUG")}
    # GIVEN a normal run  WHEN the CDK layer starts  THEN a wrongly typed argument passes unchecked
    skipped = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert skipped.stdout.strip() == "unchecked"
    # GIVEN PROVISION_DEBUG=1  THEN the checks stay: the wrong type is refused
    debug = subprocess.run([sys.executable, "-c", probe], env={**env, "PROVISION_DEBUG": "1"},
                           capture_output=True, text=True)
    assert debug.returncode != 0 and "TypeError" in debug.stderr
