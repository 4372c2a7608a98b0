"""Fixtures of the promotion tests: churn-model (dev) and churn-serving (prod) synthesized once per session, and
the moto server they run on, with the local cloud's extensions installed (as provisioner/localcloud/server.py
loads them): SageMaker's registry there records who approved a version (DescribeModelPackage's
LastModifiedBy), which promotion reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto_support import MotoServer, running_extended_server

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


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """tests/conftest.py's moto server, with the local cloud's extensions (the `aws` fixture resets it)."""
    with running_extended_server(Path(__file__).resolve().parents[2]) as server:
        yield server
