"""Large fleets synthesize in worker processes: the output is the same as one process's, file for file."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.catalog import Catalog
from provisioner.models.org import load_org
from provisioner.synth import PARALLEL_MIN, synth_workers, synthesize
from provisioner.workspaces import load_all


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
