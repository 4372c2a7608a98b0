"""Fixtures of the promotion tests: churn-model (dev) and churn-serving (prod) synthesized once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provisioner.models.org import load_org

EXAMPLE_ORG = Path(__file__).resolve().parents[2] / "examples" / "acme"


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """churn-model and churn-serving of the example org, synthesized once (real cdktn)."""
    from provisioner.catalog.loader import Catalog
    from provisioner.specs.workspaces import load_all
    from provisioner.synthesis.synth import synthesize

    org = load_org(str(EXAMPLE_ORG))
    contexts = [c for c in load_all(org, Catalog.for_org(org)) if c.name in ("churn-model", "churn-serving")]
    base = tmp_path_factory.mktemp("promotion-synth")
    return {r.name: json.loads(r.config_path.read_text())
            for r in synthesize(contexts, base / "cdktf.out", state_root=base / "state")}


