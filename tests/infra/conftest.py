"""Fixtures of the CDK layer tests: the example org synthesized once per session.

`synthesized` runs the real `provisioner.synthesis.synth.synthesize` (one cdktn App, real
jsii) over every example workspace whose capabilities this version can build,
into a temporary folder. Capabilities without a builder yet (serving,
monitoring, experiments, notebooks come from other modules) are left out, and
`test_snapshots` names which workspaces that skips.

`synth_stack(ctx)` synthesizes one more variant of a context in the same
process (about 0.2 s once jsii runs), for backend and guardrail variants.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from infra_helpers import EXAMPLE_ORG_FILE, strip_metadata


@dataclasses.dataclass(frozen=True)
class ExampleOrg:
    org: Any
    contexts: dict[str, Any]  # every example workspace, by name
    buildable: dict[str, Any]  # those whose capabilities all have a builder


@pytest.fixture(scope="session")
def example_org() -> ExampleOrg:
    from infra.capabilities import builders
    from provisioner.catalog.loader import Catalog
    from provisioner.models.org import load_org
    from provisioner.specs.workspaces import load_all

    org = load_org(EXAMPLE_ORG_FILE)
    contexts = {ctx.name: ctx for ctx in load_all(org, Catalog.for_org(org))}
    known = set(builders())
    buildable = {name: ctx for name, ctx in contexts.items() if set(ctx.capabilities) <= known}
    return ExampleOrg(org, contexts, buildable)


@dataclasses.dataclass(frozen=True)
class Synthesized:
    out_dir: Path
    state_root: Path
    results: dict[str, Any]  # name -> SynthResult
    configs: dict[str, dict]  # name -> cdk.tf.json without "//" metadata
    raw: dict[str, dict]  # name -> cdk.tf.json as written


@pytest.fixture(scope="session")
def synthesized(example_org: ExampleOrg, tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    from provisioner.synthesis.synth import synthesize

    base = tmp_path_factory.mktemp("infra-synth")
    out_dir, state_root = base / "cdktf.out", base / "state"
    results = synthesize(list(example_org.buildable.values()), out_dir, state_root=state_root, force=True)
    raw = {r.name: json.loads(r.config_path.read_text()) for r in results}
    return Synthesized(out_dir.resolve(), state_root.resolve(), {r.name: r for r in results},
                       {name: strip_metadata(config) for name, config in raw.items()}, raw)


@pytest.fixture(scope="session")
def configs(synthesized: Synthesized) -> dict[str, dict]:
    return synthesized.configs


@pytest.fixture(scope="session")
def synth_stack(synthesized: Synthesized, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., dict]:
    """Synthesize one WorkspaceStack for a (modified) context; returns its config without metadata."""
    from cdktn import App, Testing

    from infra.workspace_stack import WorkspaceStack
    from provisioner.synthesis.synth import TARGET_VERSIONS

    def run(ctx: Any, local_state_path: str | None = None) -> dict:
        app = App(outdir=str(tmp_path_factory.mktemp("variant")), context={"targetVersions": TARGET_VERSIONS})
        stack = WorkspaceStack(app, ctx, local_state_path=local_state_path)
        return strip_metadata(json.loads(Testing.synth(stack)))

    return run
