"""What the docs, rule texts and module docstrings claim about the code is what the code does.

Each test reads a claim that once went stale and checks it against the code itself.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _texts() -> dict[str, str]:
    """Every doc, and every Python source (docstrings, comments, rule texts) of the tool."""
    files = [*ROOT.glob("docs/**/*.md"), ROOT / "README.md", *ROOT.glob("provisioner/**/*.py"), *ROOT.glob("infra/**/*.py")]
    return {str(path.relative_to(ROOT)): path.read_text() for path in files}


def test_every_gate_the_gates_module_names_exists():
    import provisioner.engine.gates as gates

    # GIVEN the gate paths the module's docstring shows as its list, and the list itself
    named = re.findall(r'"([a-z_.]+:[a-z_]+)"', gates.__doc__ or "") + list(gates.PRE_APPLY_GATES)
    assert named
    # THEN each names a function that exists
    for path in named:
        module, _, function = path.partition(":")
        assert callable(getattr(importlib.import_module(module), function, None)), path


def test_no_text_claims_the_stack_sets_provider_default_tags(synthesized):
    # GIVEN the synthesized workspaces' provider blocks (the stack writes the tags into each resource instead)
    providers = [p for config in synthesized.configs.values() for p in config["provider"]["aws"]]
    assert providers and not any("default_tags" in p for p in providers)
    # THEN no doc or rule text says the workspace stack sets them
    claims = {name: line.strip() for name, text in _texts().items() for line in text.splitlines()
              if "default_tags" in line and re.search(r"\b(set by|sets|receive)\b", line)}
    assert claims == {}


def test_texts_give_the_synth_worker_default_with_its_cap():
    from provisioner.synthesis.synth import PARALLEL_MIN, synth_workers

    # GIVEN the default number of synth workers for a large fleet: one per core, at most two
    assert synth_workers(PARALLEL_MIN * 10) <= 2
    # THEN every text that says "one per core" or "a worker process per core" also gives the cap
    stale = {}
    for name, text in _texts().items():
        for sentence in re.split(r"(?<=[.;])\s", " ".join(text.split())):
            if re.search(r"(one|a worker process) per core", sentence) and "at most two" not in sentence:
                stale[name] = sentence
    assert stale == {}


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory):
    """The example org's gpu-training workspace, synthesized (the provider block is the same for all)."""
    import json

    from provisioner.catalog.loader import Catalog
    from provisioner.models.org import load_org
    from provisioner.specs.workspaces import load_named
    from provisioner.synthesis.synth import synthesize

    org = load_org(ROOT / "examples" / "acme" / "provision.yaml")
    base = tmp_path_factory.mktemp("claims")
    [result] = synthesize([load_named(org, Catalog.for_org(org), "churn-model")], base / "out", state_root=base / "state")
    return type("Synthesized", (), {"configs": {"churn-model": json.loads(result.config_path.read_text())}})


def test_every_documented_request_asks_for_the_current_blueprint_release():
    from provisioner.catalog.loader import Catalog, shipped_blueprints_dir

    catalog = Catalog([shipped_blueprints_dir()])
    # GIVEN every `provision request` the docs, the demo and the blueprint READMEs show
    texts = {**_texts(), "scripts/demo.sh": (ROOT / "scripts" / "demo.sh").read_text(),
             **{str(p.relative_to(ROOT)): p.read_text() for p in ROOT.glob("blueprints/*/README.md")}}
    pinned = [(name, blueprint, version) for name, text in texts.items()
              for blueprint, version in re.findall(r"provision request [^\n]*?--blueprint ([a-z-]+)@([0-9.]+)", text)]
    # THEN one that pins a version pins the latest release (a reader copies it into a new workspace)
    stale = [(name, f"{blueprint}@{version}") for name, blueprint, version in pinned
             if version != catalog.latest(blueprint).blueprint.version]
    assert stale == []
