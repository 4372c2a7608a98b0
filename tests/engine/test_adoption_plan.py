"""How a plan with `import` blocks reads (provision adopt): imports shown as such, and a plan that would
replace what it adopts refused with exit 3, at plan and at apply.

The plans are `terraform show -json` documents in the shape Terraform 1.5+ writes for an import
(`change.importing.id`); the e2e tier runs the same through the real AWS provider.
"""

from __future__ import annotations

import pytest

from provisioner.engine.summary import refuse_adoption_replacements, summarize
from provisioner.errors import PolicyBlocked


def _change(address: str, actions: list[str], importing: str | None = None, **extra) -> dict:
    kind, name = address.split(".")
    change = {"actions": actions, "before": {"bucket": "pricing-poc-data", "tags": {}},
              "after": {"bucket": "pricing-poc-data", "tags": {"provision:workspace": "churn-model"}}, **extra}
    if importing:
        change["importing"] = {"id": importing}
    return {"address": address, "mode": "managed", "type": kind, "name": name, "change": change}


def test_an_import_that_changes_only_tags_is_an_update_marked_as_an_import():
    # GIVEN a plan importing the adopted bucket (tags added) and registry (unchanged), and creating a policy
    plan = {"resource_changes": [
        _change("aws_s3_bucket.data", ["update"], "pricing-poc-data"),
        _change("aws_sagemaker_model_package_group.models", ["no-op"], "pricing-poc-models"),
        _change("aws_s3_bucket_policy.data", ["create"]),
    ]}
    # WHEN it is summarized
    summary = summarize(plan)
    # THEN both are imports, the unchanged one as an action of its own; nothing is replaced, and it is allowed
    actions = {c.address: (c.action, c.importing) for c in summary.changes}
    assert actions == {"aws_s3_bucket.data": ("update", "pricing-poc-data"),
                       "aws_sagemaker_model_package_group.models": ("import", "pricing-poc-models"),
                       "aws_s3_bucket_policy.data": ("create", None)}
    assert [c.address for c in summary.imports] == ["aws_s3_bucket.data", "aws_sagemaker_model_package_group.models"]
    assert summary.adoption_replacements == () and summary.has_changes
    assert summary.to_dict()["imports"] == ["aws_s3_bucket.data", "aws_sagemaker_model_package_group.models"]
    refuse_adoption_replacements(summary, "churn-model")  # no exception


def test_fails_when_the_plan_would_replace_an_adopted_resource():
    # GIVEN a plan that imports the bucket, then replaces it (a setting the provider cannot change in place)
    plan = {"resource_changes": [_change("aws_s3_bucket.data", ["delete", "create"], "pricing-poc-data",
                                         replace_paths=[["object_lock_enabled"]])]}
    summary = summarize(plan)
    # WHEN the plan is checked  THEN it is refused (exit 3), naming the resource and why it would be replaced
    with pytest.raises(PolicyBlocked) as excinfo:
        refuse_adoption_replacements(summary, "churn-model")
    assert excinfo.value.exit_code == 3
    assert "aws_s3_bucket.data" in excinfo.value.message and "pricing-poc-data" in excinfo.value.message
    assert "object_lock_enabled" in excinfo.value.message


def test_the_plan_summary_shows_imports_for_people(capsys):
    from provisioner.cli._terraform_output import render_summary

    # GIVEN a plan adopting a bucket  WHEN it is shown
    render_summary(summarize({"resource_changes": [_change("aws_s3_bucket.data", ["update"], "pricing-poc-data")]}),
                   title="Plan for churn-model:")
    out = capsys.readouterr().out
    # THEN the import is named with the existing resource, and the summary says nothing is replaced
    assert "imports the existing pricing-poc-data" in out
    assert "1 existing resource(s) to import" in out
    assert "none replaced" in out
