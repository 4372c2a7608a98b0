"""Helpers for the audit tests: rule fixtures are hand-written Terraform JSON files.

A fixture is a small `cdk.tf.json` (or, named `*.plan.json`, a `terraform show
-json` document). Its `"//"` block (for a plan: the top-level `expect`) says
which resources the rule must fail, and may give workspace facts.
"""

from __future__ import annotations

import json
from pathlib import Path

from provisioner.audit.config import WorkspaceFacts, config_from_dict, plan_from_dict

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(path: Path):
    raw = json.loads(path.read_text())
    meta = raw.get("//") if isinstance(raw.get("//"), dict) else {}
    expect = meta.get("expect") or raw.get("expect") or {}
    facts = WorkspaceFacts(**{k: tuple(v) if isinstance(v, list) else v for k, v in (meta.get("workspace") or {}).items()})
    if path.name.endswith(".plan.json"):
        config = plan_from_dict(raw, path=path, workspace=facts)
    else:
        config = config_from_dict(raw, path=path, workspace=facts)
    return config, expect


def workspace_context(org_root: Path, name: str = "churn-model", **changes):
    """A real WorkspaceContext of the example org (no synth), optionally with fields replaced."""
    import dataclasses

    from provisioner.catalog.loader import Catalog
    from provisioner.models.org import load_org
    from provisioner.specs.workspaces import load_named

    org = load_org(org_root / "provision.yaml")
    ctx = load_named(org, Catalog.for_org(org), name)
    return dataclasses.replace(ctx, **changes) if changes else ctx
