"""Reading configs and plans the way cdktn and Terraform write them."""

from __future__ import annotations

import json

from provisioner.audit.config import config_from_dict, plan_from_dict
from provisioner.audit.iam import parse_policy
from provisioner.audit.resources import references


def test_policy_expression_is_reported_as_unreadable_not_guessed():
    # GIVEN a policy written as an HCL expression (provision writes JSON strings, never this)
    text = '${jsonencode({"Statement" = [{"Effect" = "Allow", "Action" = "*", "Resource" = "*"}]})}'
    # WHEN it is read
    doc = parse_policy(text)
    # THEN it has no statements and says it cannot be read statically, so rules report it instead of passing it
    assert doc is not None and doc.statements == ()
    assert doc.problems == ("the policy is an expression that cannot be read statically",)


def test_policy_document_data_source_merges_source_documents():
    # GIVEN a policy document that extends another through source_policy_documents
    config = config_from_dict({"data": {"aws_iam_policy_document": {
        "base": {"statement": [{"sid": "Base", "actions": ["s3:GetObject"], "resources": ["*"]}]},
        "full": {"source_policy_documents": ["${data.aws_iam_policy_document.base.json}"],
                 "statement": [{"sid": "Extra", "effect": "Deny", "actions": ["s3:DeleteObject"], "resources": ["*"],
                                "principals": [{"type": "*", "identifiers": ["*"]}]}]},
    }}})
    # WHEN the policy a role would reference is parsed
    doc = parse_policy("${data.aws_iam_policy_document.full.json}", config)
    # THEN both statements are there, normalized
    assert [s.sid for s in doc.statements] == ["Base", "Extra"]
    assert doc.statements[1].effect == "Deny" and doc.statements[1].wildcard_principal


def test_statement_matches_actions_through_wildcards_and_not_action():
    # GIVEN statements with a service wildcard and a NotAction
    doc = parse_policy(json.dumps({"Statement": [
        {"Effect": "Allow", "Action": "sagemaker:Create*", "Resource": "*"},
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}))
    # WHEN matched against concrete actions
    # THEN wildcards match case-insensitively and NotAction covers everything outside it
    assert doc.statements[0].matches_action("sagemaker:createtrainingjob")
    assert not doc.statements[0].matches_action("sagemaker:DeleteModel")
    assert doc.statements[1].matches_action("s3:GetObject") and not doc.statements[1].matches_action("iam:PassRole")


def test_references_are_found_in_nested_values():
    # GIVEN nested blocks with interpolations
    value = {"rule": [{"kms": "${aws_kms_key.key.arn}", "x": "arn:${data.aws_partition.p.partition}:s3:::${aws_s3_bucket.b.id}/*"}]}
    # WHEN references are collected
    found = references(value)
    # THEN each address and attribute is reported
    assert ("aws_kms_key.key", "arn") in found and ("aws_s3_bucket.b", "id") in found
    assert ("data.aws_partition.p", "partition") in found


def test_plan_values_override_config_but_unknown_values_keep_the_reference():
    # GIVEN a config whose key reference is unknown at plan time, and a plan
    config = config_from_dict({"resource": {
        "aws_kms_key": {"key": {"enable_key_rotation": True}},
        "aws_sns_topic": {"alerts": {"name": "t", "kms_master_key_id": "${aws_kms_key.key.arn}"}}}})
    plan = {
        "planned_values": {"root_module": {"resources": [
            {"address": "aws_sns_topic.alerts", "mode": "managed", "type": "aws_sns_topic", "name": "alerts",
             "values": {"name": "t", "tags_all": {"owner": "a"}}}]}},
        "resource_changes": [{"address": "aws_sns_topic.alerts", "change": {"after_unknown": {"kms_master_key_id": True}}}],
    }
    # WHEN the plan is read on top of the config
    view = plan_from_dict(plan, base=config)
    topic = view.get("aws_sns_topic.alerts")
    # THEN known planned values are used and the unknown one is still the reference
    assert topic.values["kms_master_key_id"] == "${aws_kms_key.key.arn}"
    assert topic.values["tags_all"] == {"owner": "a"}
    assert view.source == "plan" and view.get("aws_kms_key.key") is not None


def test_resources_are_linked_by_literal_name_in_a_plan():
    # GIVEN a plan where the versioning names its bucket by value
    view = plan_from_dict({"planned_values": {"root_module": {"resources": [
        {"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket", "name": "b", "values": {"bucket": "x-b"}},
        {"address": "aws_s3_bucket_versioning.b", "mode": "managed", "type": "aws_s3_bucket_versioning", "name": "b",
         "values": {"bucket": "x-b", "versioning_configuration": [{"status": "Enabled"}]}}]}}})
    # WHEN looking for what is attached to the bucket
    bucket = view.get("aws_s3_bucket.b")
    # THEN the versioning is found
    assert [r.address for r in view.attached("aws_s3_bucket_versioning", "bucket", bucket)] == ["aws_s3_bucket_versioning.b"]
