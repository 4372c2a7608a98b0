"""`PROVISION_CREDENTIALS=ambient` (set by the generated CI workflow): a job that already assumed its role
(the plan role on pull requests, the deploy role on merge) chains into no other role, in-process or in
Terraform, and the synth cache tells the two configs apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.catalog.loader import Catalog
from provisioner.cloud.access import access
from provisioner.models.org import load_org
from provisioner.specs.workspaces import load_named
from provisioner.synthesis.synth import inputs_hash

ROLE = "arn:aws:iam::111111111111:role/acme-deploy"


@pytest.fixture
def dev_with_role(acme: Path) -> Path:
    config = acme / "provision.yaml"
    text = config.read_text()
    assert f"deploy_role_arn: {ROLE}\n" in text  # the example org's dev role
    config.write_text(text)
    return acme


def test_a_ci_job_acts_as_the_role_it_assumed_and_chains_into_no_other(dev_with_role: Path,
                                                                       monkeypatch: pytest.MonkeyPatch):
    org = load_org(dev_with_role / "provision.yaml")
    env = org.config.environments["dev"]
    # GIVEN an environment with a deploy role  WHEN run from a shell  THEN every command assumes the role
    monkeypatch.delenv("PROVISION_CREDENTIALS", raising=False)
    assert access(dev_with_role, "dev", env).role_arn == ROLE
    shell = inputs_hash(load_named(org, Catalog.for_org(org), "churn-model"), None)
    # WHEN run in a CI job that already assumed its role  THEN nothing is assumed on top of it
    monkeypatch.setenv("PROVISION_CREDENTIALS", "ambient")
    assert access(dev_with_role, "dev", env).role_arn is None
    # AND the synth cache keys the two configs apart (one has assume_role blocks, the other none)
    assert inputs_hash(load_named(org, Catalog.for_org(org), "churn-model"), None) != shell


def test_the_ci_job_s_synthesized_provider_and_backend_assume_no_role(dev_with_role: Path,
                                                                       monkeypatch: pytest.MonkeyPatch):
    from infra.workspace_stack import WorkspaceStack

    org = load_org(dev_with_role / "provision.yaml")
    ctx = load_named(org, Catalog.for_org(org), "churn-model")
    # GIVEN a stack object of a workspace whose environment has a deploy role (its role settings only: no synth)
    stack = WorkspaceStack.__new__(WorkspaceStack)
    stack.ctx = ctx
    monkeypatch.delenv("PROVISION_CREDENTIALS", raising=False)
    assert stack._deploy_role()["role_arn"] == ROLE
    # WHEN the CI job's setting is on  THEN the provider and the backend get no assume_role
    monkeypatch.setenv("PROVISION_CREDENTIALS", "ambient")
    assert stack._deploy_role() == {}
