"""Resolving `latest-approved` against a real SageMaker API (moto server on 127.0.0.1)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import boto3
import pytest

from provisioner.catalog.loader import Catalog
from provisioner.models.org import load_org
from provisioner.specs.model_sources import (
    EXTRA_RESOLVED,
    EXTRA_UNRESOLVED,
    LATEST,
    latest_fields,
    resolve_all,
    variants,
)
from provisioner.specs.workspaces import load_named
from provisioner.synthesis.synth import inputs_hash

MOTO_ACCOUNT = "123456789012"  # the account moto answers for
GROUP = "acme-recsys-ab-prod-models"
CONTAINER = {"Containers": [{"Image": f"{MOTO_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/recsys:1"}],
             "SupportedContentTypes": ["application/json"], "SupportedResponseMIMETypes": ["application/json"]}


def recsys(acme: Path, account: str | None = None):
    org = load_org(acme / "provision.yaml")
    ctx = load_named(org, Catalog.for_org(org), "recsys-ab")
    # The shell's own credentials reach the registry here (the example org's deploy role is left out).
    update: dict = {"deploy_role_arn": None, "break_glass_role_arn": None}
    if account is not None:
        update["account_id"] = account
    return dataclasses.replace(ctx, env=ctx.env.model_copy(update=update))


def register(statuses: list[str]) -> list[str]:
    client = boto3.client("sagemaker", region_name="eu-west-1")
    client.create_model_package_group(ModelPackageGroupName=GROUP)
    arns = []
    for status in statuses:
        arn = client.create_model_package(ModelPackageGroupName=GROUP, InferenceSpecification=CONTAINER,
                                          ModelApprovalStatus="PendingManualApproval")["ModelPackageArn"]
        if status != "PendingManualApproval":
            client.update_model_package(ModelPackageArn=arn, ModelApprovalStatus=status)
        arns.append(arn)
    return arns


@pytest.mark.moto
def test_latest_approved_resolves_to_the_highest_approved_version(aws, acme):
    # GIVEN versions 1 and 2 approved, 3 rejected, 4 pending
    arns = register(["Approved", "Approved", "Rejected", "PendingManualApproval"])
    ctx = recsys(acme, account=MOTO_ACCOUNT)
    # WHEN synth resolves latest-approved
    [resolved] = resolve_all([ctx])
    # THEN the champion (which asked for latest-approved) gets version 2; the pinned challenger is untouched
    by_name = {v.name: v.source for v in variants(resolved.parameters)}
    assert by_name["champion"].package_arn == arns[1]
    assert by_name["challenger"].package_arn.endswith("/3")
    assert resolved.parameters["serving.model_package"] == arns[1]
    assert resolved.extras[EXTRA_RESOLVED] == arns[1]
    assert latest_fields(resolved.parameters) == []


@pytest.mark.moto
def test_latest_approved_stays_unresolved_while_nothing_is_approved(aws, acme):
    # GIVEN only a pending version
    register(["PendingManualApproval"])
    [ctx] = resolve_all([recsys(acme, account=MOTO_ACCOUNT)])
    # THEN the parameter keeps latest-approved and the reason is kept for the synth note
    assert ctx.parameters["serving.model_package"] == LATEST
    assert ctx.extras[EXTRA_UNRESOLVED] == f"no approved model package in group {GROUP} yet"


@pytest.mark.moto
def test_latest_approved_stays_unresolved_when_credentials_are_for_another_account(aws, acme):
    # GIVEN an approved version, but the workspace's environment is account 222222222222
    register(["Approved"])
    [ctx] = resolve_all([recsys(acme)])
    # THEN it is not used: the endpoint would reference a package in the wrong account
    assert ctx.parameters["serving.model_package"] == LATEST
    assert "credentials are for account 123456789012" in ctx.extras[EXTRA_UNRESOLVED]
    assert "222222222222" in ctx.extras[EXTRA_UNRESOLVED]


@pytest.mark.moto
def test_latest_approved_stays_unresolved_when_sagemaker_cannot_be_asked(aws, acme, monkeypatch):
    # GIVEN SageMaker cannot be reached (nothing listens where the endpoint points)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    [ctx] = resolve_all([recsys(acme, account=MOTO_ACCOUNT)])
    # THEN synth goes on without the endpoint and says it could not ask
    assert ctx.parameters["serving.model_package"] == LATEST
    assert ctx.extras[EXTRA_UNRESOLVED].startswith("could not ask SageMaker")


def test_offline_synth_does_not_ask_and_says_so(acme):
    # GIVEN recsys-ab (champion latest-approved) synthesized offline
    # WHEN resolved (a lookup that fails the test if called)
    [ctx] = resolve_all([recsys(acme)], offline=True, lookup=lambda *_: pytest.fail("asked SageMaker offline"))
    # THEN the value stays and the reason is kept for the note
    assert ctx.parameters["serving.model_package"] == LATEST
    assert ctx.extras[EXTRA_UNRESOLVED] == "synthesized offline (--offline)"


def test_workspaces_without_latest_approved_are_not_looked_up(acme):
    # GIVEN a training workspace and a serving workspace without latest-approved
    org = load_org(acme / "provision.yaml")
    contexts = [load_named(org, Catalog.for_org(org), name) for name in ("churn-model", "forecasting")]
    # WHEN resolved
    resolved = resolve_all(contexts, lookup=lambda *_: pytest.fail("looked up a workspace without latest-approved"))
    # THEN nothing is asked and nothing changes
    assert resolved == contexts


def test_a_newly_approved_version_changes_the_synth_inputs(acme):
    # GIVEN the same spec resolved to version 7, then to version 8
    ctx = recsys(acme)
    group_arn = f"arn:aws:sagemaker:eu-west-1:222222222222:model-package/{GROUP}"
    [v7] = resolve_all([ctx], lookup=lambda c, g: f"{group_arn}/7")
    [v8] = resolve_all([ctx], lookup=lambda c, g: f"{group_arn}/8")
    [again] = resolve_all([ctx], lookup=lambda c, g: f"{group_arn}/7")
    # THEN the synth cache sees the difference (and only a real difference)
    assert inputs_hash(v7, None) != inputs_hash(v8, None)
    assert inputs_hash(v7, None) == inputs_hash(again, None)
