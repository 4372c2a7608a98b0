"""The static upgrade preview: attribute changes classified with the ForceNew table."""

from __future__ import annotations

from provisioner.audit.config import config_from_dict
from provisioner.audit.diff import diff_configs, diff_from_plan
from provisioner.audit.forcenew import forces_replacement

KEY = {"aws_kms_key": {"key": {"enable_key_rotation": True, "tags": {"v": "1"}}}}


def _config(resources: dict, **extra) -> object:
    return config_from_dict({"resource": resources, **extra})


def test_tag_change_is_an_in_place_update():
    # GIVEN a key whose tags change
    before = _config(KEY)
    after = _config({"aws_kms_key": {"key": {"enable_key_rotation": True, "tags": {"v": "2"}}}})
    # WHEN diffed
    result = diff_configs(before, after)
    # THEN it is one in-place update, naming the attribute, and nothing stateful
    assert [(c.address, c.action) for c in result.changes] == [("aws_kms_key.key", "update")]
    assert result.changes[0].changes[0].path == "tags.v" and not result.stateful


def test_bucket_rename_replaces_it_and_is_called_out_as_stateful():
    # GIVEN a bucket whose name changes
    before = _config({"aws_s3_bucket": {"data": {"bucket": "acme-a-dev-data"}}})
    after = _config({"aws_s3_bucket": {"data": {"bucket": "acme-a-dev-datasets"}}})
    # WHEN diffed
    result = diff_configs(before, after)
    # THEN it is replaced, the reason names `bucket`, and it is stateful
    change = result.changes[0]
    assert change.action == "replace" and "bucket" in change.reason
    assert [c.address for c in result.stateful] == ["aws_s3_bucket.data"]


def test_replacement_propagates_to_resources_whose_forcenew_attribute_uses_its_arn():
    # GIVEN an ECR repository encrypted with a key whose spec changes (a ForceNew attribute)
    repo = {"aws_ecr_repository": {"images": {"name": "r", "encryption_configuration": {"encryption_type": "KMS", "kms_key": "${aws_kms_key.key.arn}"}}},
            "aws_cloudwatch_log_group": {"logs": {"name": "/l", "kms_key_id": "${aws_kms_key.key.arn}"}}}
    before = _config({**KEY, **repo})
    after = _config({"aws_kms_key": {"key": {"enable_key_rotation": True, "tags": {"v": "1"}, "customer_master_key_spec": "RSA_2048"}}, **repo})
    # WHEN diffed
    result = diff_configs(before, after)
    actions = {c.address: c.action for c in result.changes}
    # THEN the key and the repository (encryption_configuration is ForceNew) are replaced; the log group only updates
    assert actions["aws_kms_key.key"] == "replace"
    assert actions["aws_ecr_repository.images"] == "replace"
    assert "aws_cloudwatch_log_group.logs" not in actions  # its config text did not change; Terraform updates kms_key_id in place
    assert {c.address for c in result.stateful} == {"aws_kms_key.key", "aws_ecr_repository.images"}


def test_added_removed_and_moved_resources():
    # GIVEN one resource removed, one added, and one renamed with a moved block
    before = _config({"aws_sns_topic": {"old": {"name": "a"}}, "aws_budgets_budget": {"b1": {"name": "x", "limit_amount": "10"}}})
    after = _config({"aws_sns_topic": {"new": {"name": "b"}}, "aws_budgets_budget": {"b2": {"name": "x", "limit_amount": "10"}}},
                    moved=[{"from": "aws_budgets_budget.b1", "to": "aws_budgets_budget.b2"}])
    # WHEN diffed
    result = diff_configs(before, after)
    actions = {c.address: c.action for c in result.changes}
    # THEN each is classified, the move keeps its previous address
    assert actions == {"aws_sns_topic.new": "create", "aws_sns_topic.old": "delete", "aws_budgets_budget.b2": "move"}
    assert result.of("delete")[0].stateful  # a topic's confirmed subscriptions are lost


def test_every_attribute_of_an_endpoint_configuration_forces_replacement_except_tags():
    # GIVEN the endpoint configuration type (immutable in SageMaker)
    # WHEN attributes are classified
    # THEN everything but tags forces a new resource
    assert forces_replacement("aws_sagemaker_endpoint_configuration", "production_variants[0].instance_type")
    assert not forces_replacement("aws_sagemaker_endpoint_configuration", "tags.owner")
    assert forces_replacement("aws_unknown_type", "x") is None


def test_plan_resource_changes_give_terraforms_verdict():
    # GIVEN a plan's resource_changes with a replace, a create and a no-op
    plan = {"resource_changes": [
        {"address": "aws_s3_bucket.data", "type": "aws_s3_bucket", "mode": "managed",
         "change": {"actions": ["delete", "create"], "replace_paths": [["bucket"]]}},
        {"address": "aws_sns_topic.t", "type": "aws_sns_topic", "mode": "managed", "change": {"actions": ["create"]}},
        {"address": "aws_kms_key.k", "type": "aws_kms_key", "mode": "managed", "change": {"actions": ["no-op"]}}]}
    # WHEN read
    result = diff_from_plan(plan)
    # THEN the verdict is Terraform's, with the stateful replacement called out
    assert result.counts()["replace"] == 1 and result.counts()["create"] == 1 and result.unchanged == 1
    assert result.stateful[0].address == "aws_s3_bucket.data" and "bucket" in result.stateful[0].reason


def test_plan_actions_read_the_same_in_the_audit_and_the_plan_summary():
    from provisioner.engine.summary import summarize

    # GIVEN a plan that forgets a log group (a `removed` block: out of the state, not destroyed) and replaces
    # a topic create-before-destroy (["create", "delete"])
    plan = {"resource_changes": [
        {"address": "aws_cloudwatch_log_group.logs", "type": "aws_cloudwatch_log_group", "mode": "managed",
         "change": {"actions": ["forget"]}},
        {"address": "aws_sns_topic.t", "type": "aws_sns_topic", "mode": "managed",
         "change": {"actions": ["create", "delete"]}}]}
    # WHEN the audit's diff and the plan summary read it
    audit = {c.address: c.action for c in diff_from_plan(plan).changes}
    summary = {c.address: c.action for c in summarize(plan).changes}
    # THEN both call the first "forget" (not an update: nothing in the cloud changes) and the second a replacement
    assert audit == summary == {"aws_cloudwatch_log_group.logs": "forget", "aws_sns_topic.t": "replace"}


def test_the_audit_and_the_plan_summary_agree_on_what_is_stateful():
    from provisioner.audit.taxonomy import STATEFUL
    from provisioner.engine.summary import summarize

    # GIVEN a plan deleting one resource of each type either of them ever called stateful
    types = sorted(set(STATEFUL) | {"aws_kms_alias", "aws_sagemaker_domain", "aws_secretsmanager_secret",
                                    "aws_sns_topic", "aws_cloudwatch_log_group", "aws_sagemaker_endpoint"})
    plan = {"resource_changes": [{"address": f"{t}.x", "type": t, "mode": "managed", "change": {"actions": ["delete"]}}
                                 for t in types]}
    # WHEN both read it
    audit = {c.type for c in diff_from_plan(plan).stateful}
    summary = {c.type for c in summarize(plan).changes if c.stateful}
    # THEN they call the same types stateful
    assert audit == summary
