"""`provision inventory` against a moto server: live resources by tag, orphans, untagged ML, expiry."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from provisioner.cloud.inventory import SHARED, take_inventory
from provisioner.models.org import load_org

from .aws_seed import bucket, client, model, tags, training_job

pytestmark = [pytest.mark.moto]  # every test here talks to the moto server (the `aws` fixture)

OLD_SPEC = """\
name: old-experiment
blueprint: gpu-training@1.0.0
environment: dev
owner: carol@example.com
team: growth
tags: {cost-center: cc-1234}
expires: 2020-01-31
"""


@pytest.fixture
def world(org: Path, run) -> dict[str, str]:
    """A dev account holding tagged workspaces, planted orphans, untagged ML resources and an expired workspace.

    The org keeps only churn-model (dev, expires 2027-03-31) and fraud-detector (prod) of the example's
    specs, plus old-experiment (dev, expired 2020-01-31), so that the expected findings are exactly known.
    """
    for spec in (org / "workspaces").glob("*.yaml"):
        if spec.stem not in ("churn-model", "fraud-detector"):
            spec.unlink()
    (org / "workspaces" / "old-experiment.yaml").write_text(OLD_SPEC)
    assert run("bootstrap", "dev").code == 0  # the state bucket: tagged with the org, no workspace
    arns = {
        "churn_job": training_job("churn-model-train-1", tags("churn-model")),
        "old_job": training_job("old-experiment-train-1", tags("old-experiment")),
        "ghost_job": training_job("ghost-train-1", tags("ghost")),
        "untagged_job": training_job("adhoc-notebook-job", None),
        "other_org_job": training_job("other-org-job", tags("churn-model", org="globex")),
        "partly_tagged_model": model("hand-made-model", [{"Key": "team", "Value": "growth"}]),
        "churn_model": model("churn-model-v1", tags("churn-model")),
        "staging_job": training_job("staging-train-1", tags("churn-model", environment="staging")),
    }
    bucket("acme-churn-model-dev-artifacts", tags("churn-model"))
    bucket("acme-ghost-dev-data", tags("ghost"))
    client("sagemaker").create_model_package_group(ModelPackageGroupName="acme-churn-model-dev-registry",
                                                   Tags=tags("churn-model"))
    return arns


def test_inventory_finds_orphans_untagged_ml_and_expired_among_tagged_resources(org, world):
    # GIVEN the planted world  WHEN the inventory of all environments is taken (on a fixed date)
    report = take_inventory(load_org(org / "provision.yaml"), today=dt.date(2026, 6, 1))
    # THEN tagged resources are grouped by workspace
    assert report.account_id == "123456789012"
    assert report.environments == ["dev", "trial"]
    assert report.skipped.keys() == {"prod", "sandbox"}
    assert "the local cloud: scan it with `provision inventory --env sandbox`" == report.skipped["sandbox"]
    churn = {r.arn for r in report.workspaces["churn-model"]}
    assert world["churn_job"] in churn and world["churn_model"] in churn
    assert "arn:aws:s3:::acme-churn-model-dev-artifacts" in churn
    assert any(r.arn.endswith(":model-package-group/acme-churn-model-dev-registry")
               for r in report.workspaces["churn-model"])
    # AND the org's shared resources (the state bucket and its key) are listed apart
    assert {r.type for r in report.workspaces[SHARED]} == {"s3:bucket", "kms:key"}
    assert "acme-provision-state-dev" in {r.name for r in report.workspaces[SHARED]}
    # AND resources of a workspace without a spec, or of an environment the org lacks, are orphans
    orphans = {(o.workspace, o.environment): o for o in report.orphans}
    assert set(orphans) == {("ghost", "dev"), ("churn-model", "staging")}
    ghost = {r.arn for r in orphans[("ghost", "dev")].resources}
    assert ghost == {world["ghost_job"], "arn:aws:s3:::acme-ghost-dev-data"}
    assert "no spec workspaces/ghost.yaml" in orphans[("ghost", "dev")].reason
    assert "staging" in orphans[("churn-model", "staging")].reason
    # AND ML resources without a workspace tag are flagged, the other org's tagged job is not
    untagged = {r.arn for r in report.untagged}
    assert untagged == {world["untagged_job"], world["partly_tagged_model"]}
    # AND the expired spec is reported with its live resources
    [expired] = report.expired
    assert (expired.workspace, expired.expires, expired.live_resources) == ("old-experiment", dt.date(2020, 1, 31), 1)
    assert expired.days_past == (dt.date(2026, 6, 1) - dt.date(2020, 1, 31)).days


def test_inventory_on_a_later_date_flags_more_expired_workspaces(org, world):
    # GIVEN the planted world  WHEN the inventory is taken after churn-model's expiry (2027-03-31)
    report = take_inventory(load_org(org / "provision.yaml"), today=dt.date(2027, 4, 1))
    # THEN churn-model is expired too, with its live resources counted
    expired = {e.workspace: e for e in report.expired}
    assert set(expired) == {"old-experiment", "churn-model"}
    assert expired["churn-model"].live_resources == len(report.workspaces["churn-model"])


def test_inventory_of_one_environment_skips_the_others(org, world):
    # GIVEN the planted world  WHEN only trial is scanned
    report = take_inventory(load_org(org / "provision.yaml"), ["trial"])
    # THEN no dev-tagged resource is listed and no dev spec expires here; untagged ML is per region, still found
    assert report.environments == ["trial"]
    assert report.workspaces == {}
    assert report.orphans == []
    assert report.expired == []
    assert {r.arn for r in report.untagged} == {world["untagged_job"], world["partly_tagged_model"]}


def test_inventory_command_prints_json(run, world, today):
    # GIVEN the planted world, on the suite's fixed day (churn-model expires 2027-03-31, after it)
    # WHEN `provision inventory --env dev -o json` runs
    result = run("inventory", "--env", "dev", "--output", "json")
    # THEN it exits 0 with the same findings as data
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["environments"] == ["dev"]
    assert [o["workspace"] for o in report["orphans"]] == ["ghost"]
    assert {r["name"] for r in report["untagged"]} == {"adhoc-notebook-job", "hand-made-model"}
    assert [(e["workspace"], e["days_past"]) for e in report["expired"]] == [
        ("old-experiment", (today - dt.date(2020, 1, 31)).days)]
    assert report["skipped_environments"] == {}


def test_inventory_names_an_alert_topic_by_its_kind_not_by_its_name(run, world):
    # GIVEN churn-model's alert topic, tagged like every workspace resource
    client("sns").create_topic(Name="acme-churn-model-dev-alerts", Tags=tags("churn-model"))
    # WHEN the inventory lists it
    result = run("inventory", "--env", "dev", "--output", "json")
    # THEN its type is the kind, sns:topic, and its name is the topic's
    assert result.code == 0, result.err
    [topic] = [r for r in result.json()["workspaces"]["churn-model"] if r["arn"].startswith("arn:aws:sns:")]
    assert (topic["type"], topic["name"]) == ("sns:topic", "acme-churn-model-dev-alerts")


def test_inventory_command_decides_expiry_on_the_day_given_by_the_global_today_option(run, world):
    # GIVEN the planted world  WHEN the inventory is taken with `--today` the day after churn-model's expiry
    result = run("--today", "2027-04-01", "inventory", "--env", "dev", "--output", "json")
    # THEN churn-model is expired since one day, old-experiment still
    assert result.code == 0, result.err
    expired = {e["workspace"]: e["days_past"] for e in result.json()["expired"]}
    assert expired == {"old-experiment": (dt.date(2027, 4, 1) - dt.date(2020, 1, 31)).days, "churn-model": 1}


def test_inventory_command_prints_findings_for_people(run, world, today):
    # GIVEN the planted world, on the suite's fixed day (before churn-model's expiry)
    # WHEN `provision inventory` runs
    result = run("inventory")
    # THEN each section is there with its fix
    assert result.code == 0, result.err
    assert "orphans (2)" in result.out
    assert "no spec workspaces/ghost.yaml" in result.out
    assert "untagged ML resources (2)" in result.out
    assert "expired workspaces (1)" in result.out
    assert "old-experiment (dev): expired 2020-01-31" in result.out
    assert "skipped environment prod" in result.out


def test_fails_when_no_environment_uses_the_credentials_account(run):
    # GIVEN credentials for moto's account  WHEN only prod (account 222222222222) is scanned
    result = run("inventory", "--env", "prod")
    # THEN one line says which account the credentials are for
    assert result.code == 1
    assert len(result.error_lines) == 1
    assert "123456789012" in result.error_lines[0]


def test_fails_when_the_environment_is_unknown(run):
    # GIVEN no environment named staging  WHEN it is scanned
    result = run("inventory", "--env", "staging")
    # THEN it is invalid input
    assert result.code == 2
    assert "unknown environment 'staging'" in result.err


def test_a_kms_key_scheduled_for_deletion_is_not_a_leftover(org, world):
    # GIVEN churn-model's key, and a second key of it that a destroy scheduled for deletion
    kms = client("kms")
    live = kms.create_key(Tags=[{"TagKey": t["Key"], "TagValue": t["Value"]} for t in tags("churn-model")])
    gone = kms.create_key(Tags=[{"TagKey": t["Key"], "TagValue": t["Value"]} for t in tags("churn-model")])
    kms.schedule_key_deletion(KeyId=gone["KeyMetadata"]["KeyId"], PendingWindowInDays=7)
    # WHEN the inventory is taken
    report = take_inventory(load_org(org / "provision.yaml"), ["dev"])
    # THEN the scheduled key is listed apart, pending deletion; the live one is still the workspace's
    keys = [r.arn for r in report.workspaces["churn-model"] if r.type == "kms:key"]
    assert keys == [live["KeyMetadata"]["Arn"]]
    assert [r.arn for r in report.pending_deletion] == [gone["KeyMetadata"]["Arn"]]
