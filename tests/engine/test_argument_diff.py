"""The rules of the argument diff and the drift filter, one case each, on plan JSON in Terraform's format.

The same code runs on real provider plans in tests/e2e (the local cloud's refresh noise, a weight change, a
policy change, a change made outside Terraform); these cases pin each rule where the AWS provider is absent.
"""

from __future__ import annotations

import json

from provisioner.engine.argument_diff import attribute_changes, change_lines, policy_statement_changes
from provisioner.engine.drift import drift_that_matters


def _policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_a_policy_document_is_compared_statement_by_statement():
    # GIVEN a policy whose named statement gains an action, whose unnamed one loses a resource, plus one new
    read = {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::data/*"}
    logs = {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": ["arn:a", "arn:b"]}
    before = _policy(read, logs)
    after = _policy({**read, "Action": ["s3:GetObject", "s3:PutObject"]}, {**logs, "Resource": ["arn:a"]},
                    {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                     "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    # WHEN the two documents are compared
    changes = policy_statement_changes(before, after)
    # THEN each statement says what changed in it, in the words of a policy
    assert [(c.action, c.label, c.fields) for c in changes if c.action == "change"] == [
        ("change", "Read", (("Action", "+s3:PutObject"),)), ("change", "statement 2", (("Resource", "-arn:b"),))]
    [added] = [c for c in changes if c.action == "add"]
    assert added.after == "Deny s3:* on * when Bool aws:SecureTransport=false"
    # AND the same document written differently is no change at all
    assert policy_statement_changes(before, json.dumps(json.loads(before), indent=4, sort_keys=True)) == ()
    lines = change_lines({"path": "policy", "before": before, "after": after, "forces_replacement": False,
                          "statements": [c.to_dict() for c in changes]})
    assert lines[0] == "policy: IAM policy, statement(s) 2 changed, 1 added"


def test_nested_blocks_and_unknown_values_read_as_terraform_shows_them():
    # GIVEN an endpoint configuration whose variant weight changes, which forces a new one
    change = {"actions": ["create", "delete"],
              "before": {"name": "a", "arn": "arn:old", "production_variants": [
                  {"variant_name": "champion", "initial_variant_weight": 80}], "tags": {"team": "ml"},
                  "tags_all": {"team": "ml", "org": "acme"}},
              "after": {"name": "a", "arn": None, "production_variants": [
                  {"variant_name": "champion", "initial_variant_weight": 50}], "tags": {"team": "ml"},
                  "tags_all": {"team": "ml", "org": "acme"}},
              "after_unknown": {"arn": True}, "replace_paths": [["production_variants", 0, "initial_variant_weight"]]}
    # WHEN its changed arguments are listed
    found = {c.path: c for c in attribute_changes(change)}
    # THEN the weight shows old and new value and why the resource is replaced; the ARN is not known yet;
    # nothing unchanged, and tags_all (a mirror of tags) is not repeated
    assert (found["production_variants.0.initial_variant_weight"].before,
            found["production_variants.0.initial_variant_weight"].after) == (80, 50)
    assert found["production_variants.0.initial_variant_weight"].forces_replacement is True
    assert found["arn"].after == "(known after apply)"
    assert set(found) == {"production_variants.0.initial_variant_weight", "arn"}


def _drift_plan(*, changes_something: bool) -> dict:
    bucket_before = {"bucket": "acme-data", "versioning": [{"enabled": False, "mfa_delete": False}],
                     "tags": {"team": "ml"}, "arn": "arn:aws:s3:::acme-data"}
    return {
        "resource_changes": [{"address": "aws_iam_role_policy.read", "mode": "managed", "type": "aws_iam_role_policy",
                              "change": {"actions": ["update"] if changes_something else ["no-op"],
                                         "before": {}, "after": {}}}],
        "resource_drift": [
            # refresh noise: versioning filled in by the sibling aws_s3_bucket_versioning (not configured here)
            {"address": "aws_s3_bucket.data", "mode": "managed", "type": "aws_s3_bucket", "change": {
                "actions": ["update"], "before": bucket_before,
                "after": {**bucket_before, "versioning": [{"enabled": True, "mfa_delete": False}]}}},
            # refresh noise on a configured argument: null -> [] says nothing
            {"address": "aws_sagemaker_model.m", "mode": "managed", "type": "aws_sagemaker_model", "change": {
                "actions": ["update"], "before": {"name": "m", "vpc_config": None},
                "after": {"name": "m", "vpc_config": []}}},
            # a real change of a configured argument, made outside Terraform
            {"address": "aws_cloudwatch_log_group.logs", "mode": "managed", "type": "aws_cloudwatch_log_group",
             "change": {"actions": ["update"], "before": {"name": "logs", "retention_in_days": 30},
                        "after": {"name": "logs", "retention_in_days": 7}}},
            # an attribute the plan relies on (a changing policy refers to the role's name)
            {"address": "aws_iam_role.exec", "mode": "managed", "type": "aws_iam_role", "change": {
                "actions": ["update"], "before": {"name": "exec", "max_session_duration": 3600},
                "after": {"name": "exec-renamed", "max_session_duration": 3600}}},
            {"address": "aws_sns_topic.alerts", "mode": "managed", "type": "aws_sns_topic",
             "change": {"actions": ["delete"], "before": {"name": "alerts"}, "after": None}},
        ],
        "relevant_attributes": [{"resource": "aws_iam_role.exec", "attribute": ["name"]}],
        "configuration": {"root_module": {"resources": [
            {"address": "aws_s3_bucket.data", "mode": "managed", "expressions": {
                "bucket": {"constant_value": "acme-data"}, "tags": {"constant_value": {"team": "ml"}}}},
            {"address": "aws_sagemaker_model.m", "mode": "managed", "expressions": {
                "name": {"constant_value": "m"}, "vpc_config": []}},
            {"address": "aws_cloudwatch_log_group.logs", "mode": "managed", "expressions": {
                "name": {"constant_value": "logs"}, "retention_in_days": {"constant_value": 30}}},
        ]}},
    }


def test_only_drift_that_matters_is_reported_with_what_changed():
    # GIVEN a plan that changes something, with refresh noise and real drift side by side
    plan = _drift_plan(changes_something=True)
    # WHEN its drift is judged
    drift, ignored = drift_that_matters(plan)
    # THEN the deleted topic, the relevant rename and the configured retention are reported, each with its values
    found = {d.address: d for d in drift}
    assert sorted(found) == ["aws_cloudwatch_log_group.logs", "aws_iam_role.exec", "aws_sns_topic.alerts"]
    assert [(c.path, c.before, c.after) for c in found["aws_cloudwatch_log_group.logs"].changes] == \
        [("retention_in_days", 30, 7)]
    assert [(c.path, c.before, c.after) for c in found["aws_iam_role.exec"].changes] == [("name", "exec", "exec-renamed")]
    assert found["aws_sns_topic.alerts"].action == "delete"
    # AND the noise (versioning set by its sibling resource, null -> []) is only counted
    assert ignored == 2


def test_a_plan_that_changes_nothing_reports_no_drift():
    # GIVEN the same drift under a plan with no change (Terraform's CLI shows no drift then either)
    drift, ignored = drift_that_matters(_drift_plan(changes_something=False))
    # THEN none is reported, all is counted
    assert drift == () and ignored == 5


def test_a_replacement_lists_what_changes_not_defaults_going_unset_and_documents_value_by_value():
    # GIVEN a replacement whose optional arguments go from '' / 0 / false to unset, and whose JSON document
    # (not a policy) changes one value deep inside
    definition = {"Steps": [{"Arguments": {"Entrypoint": ["python3", "evaluate.py", "monitoring/baseline"]}}]}
    moved = {"Steps": [{"Arguments": {"Entrypoint": ["python3", "evaluate.py", "monitoring/baseline-v2"]}}]}
    change = {"actions": ["delete", "create"],
              "before": {"accelerator_type": "", "timeout": 0, "ssm": False, "weight": 1, "note": "kept",
                         "definition": json.dumps(definition), "role": ""},
              "after": {"accelerator_type": None, "timeout": None, "ssm": None, "weight": 2, "note": None,
                        "definition": json.dumps(moved), "role": None},
              "replace_paths": [["weight"]]}
    # WHEN its arguments are listed
    found = attribute_changes(change)
    # THEN the weight comes first, a real value going away stays, defaults going unset do not
    assert [c.path for c in found] == ["weight", "definition", "note"]
    # AND the document says which value inside it changed
    assert found[1].inside == (("Steps.0.Arguments.Entrypoint.2", "monitoring/baseline", "monitoring/baseline-v2"),)
    assert change_lines(found[1].to_dict())[1] == \
        '  ~ Steps.0.Arguments.Entrypoint.2: "monitoring/baseline" -> "monitoring/baseline-v2"'


def test_secrets_terraform_does_not_mark_sensitive_are_masked_too():
    from provisioner.engine.summary import summarize

    # GIVEN a model whose environment gains a value holding the workspace's secret parameter, and a token
    canary = "canary-7c1e5a2b-do-not-leak"
    plan = {"resource_changes": [{"address": "aws_sagemaker_model.m", "mode": "managed", "type": "aws_sagemaker_model",
                                  "change": {"actions": ["update"],
                                             "before": {"environment": {"WEBHOOK": "https://hooks/a", "API_TOKEN": "t1"}},
                                             "after": {"environment": {"WEBHOOK": f"https://hooks/{canary}",
                                                                       "API_TOKEN": "t2"}}}}]}
    # WHEN it is summarized with the workspace's secret parameter values
    summary = summarize(plan, secrets=(canary,))
    # THEN the change is there, and neither value shows
    found = {a.path: (a.before, a.after) for a in summary.changes[0].arguments}
    assert found == {"environment.API_TOKEN": ("(sensitive value)", "(sensitive value)"),
                     "environment.WEBHOOK": ("https://hooks/a", "https://hooks/****")}
    assert canary not in json.dumps(summary.to_dict())
