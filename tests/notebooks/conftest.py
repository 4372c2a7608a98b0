"""Fixtures of the notebooks tests: an org with Studio domains, one synth per session, a CLI runner.

The example org configures a Studio domain for `dev` only. The session copy
adds one to `prod` (a VPC environment) and a workspace there, and a second org
holds the worst case for names and policy sizes, so that one synth (one cdktn
App) covers: the example workspace (dev), a VPC workspace with a custom image
and a Code Editor team space (`nb-vpc`), and the longest org, environment,
workspace and region names with the most members allowed and a custom image
(WORST, see notebook_helpers).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from notebook_helpers import EXAMPLE, PROD_DOMAIN, WORST, copy_org, edit_yaml, worst_case_org, write_spec



@dataclass
class Synth:
    org: Path
    configs: dict[str, dict[str, Any]]
    contexts: dict[str, Any]

    def resources(self, workspace: str, type_: str) -> dict[str, dict[str, Any]]:
        """Resources of one type by address, without cdktn's `//` metadata."""
        found = self.configs[workspace]["resource"].get(type_, {})
        return {name: {k: v for k, v in body.items() if k != "//"} for name, body in found.items()}


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """Synthesizes three notebooks workspaces once per session, with the real cdktn (one jsii start)."""
    from provisioner.catalog.loader import Catalog
    from provisioner.models.org import load_org
    from provisioner.synthesis.synth import synthesize
    from provisioner.specs.workspaces import load_named

    org_dir = copy_org(tmp_path_factory.mktemp("nb") / "acme")
    edit_yaml(org_dir / "provision.yaml",
              lambda d: d["environments"]["prod"].update(studio={"domain_id": PROD_DOMAIN}))
    write_spec(org_dir, "nb-vpc", environment="prod", owner="bob@example.com", members=["bob@example.com", "Dana@Example.com"],
               parameters={"notebooks": {"instance_types": ["ml.m5.large", "ml.m5.xlarge"],
                                         "default_instance_type": "ml.m5.xlarge", "idle_timeout_minutes": 240,
                                         "shared_space_app": "CodeEditor", "share_notebooks": False,
                                         "custom_image_tag": "lab-2025.1"}})
    org = load_org(org_dir / "provision.yaml")
    catalog = Catalog.for_org(org)
    contexts = {n: load_named(org, catalog, n) for n in (EXAMPLE, "nb-vpc")}
    worst = load_org(worst_case_org(tmp_path_factory.mktemp("nb-worst")) / "provision.yaml")
    contexts[WORST] = load_named(worst, Catalog.for_org(worst), WORST)
    results = synthesize(list(contexts.values()), org_dir / "out", state_root=org_dir / ".provision" / "state")
    configs = {r.name: json.loads(r.config_path.read_text()) for r in results}
    return Synth(org_dir, configs, contexts)
