"""The foundation capability in the synthesized example workspaces: encryption, privacy, protection."""

from __future__ import annotations

import json

import pytest
from infra_helpers import as_list, policy, resources, statements_by_sid

from provisioner.audit.taxonomy import STATEFUL
from provisioner.engine.protection import protected_addresses
from infra.resource_names import WorkspaceNames

BUCKETS = ("data", "artifacts", "access_logs")
KMS_BUCKETS = ("data", "artifacts")


@pytest.fixture(scope="module", params=["churn-model", "fraud-detector", "sandbox-trial"])
def workspace(request, configs, example_org):
    return request.param, configs[request.param], WorkspaceNames.of(example_org.contexts[request.param])


def test_workspace_buckets_use_sse_kms_with_the_workspace_key_and_a_bucket_key(workspace):
    # GIVEN a synthesized workspace
    _, config, _ = workspace
    encryption = resources(config, "aws_s3_bucket_server_side_encryption_configuration")
    # WHEN the data and artifacts buckets' default encryption is read
    for bucket in KMS_BUCKETS:
        rule = encryption[bucket]["rule"][0]
        default = rule["apply_server_side_encryption_by_default"]
        # THEN it is SSE-KMS with the workspace key and an S3 bucket key
        assert encryption[bucket]["bucket"] == f"${{aws_s3_bucket.{bucket}.id}}"
        assert default == {"sse_algorithm": "aws:kms", "kms_master_key_id": "${aws_kms_key.key.arn}"}
        assert rule["bucket_key_enabled"] is True


def test_access_log_bucket_uses_sse_s3_because_s3_cannot_deliver_logs_into_sse_kms(workspace):
    # GIVEN a synthesized workspace  WHEN the access log bucket's encryption is read
    _, config, _ = workspace
    rule = resources(config, "aws_s3_bucket_server_side_encryption_configuration")["access_logs"]["rule"][0]
    # THEN it is SSE-S3, the only default encryption S3 server access logging accepts
    assert rule["apply_server_side_encryption_by_default"] == {"sse_algorithm": "AES256"}


def test_every_bucket_blocks_all_public_access_and_disables_acls(workspace):
    # GIVEN a synthesized workspace
    _, config, _ = workspace
    blocks = resources(config, "aws_s3_bucket_public_access_block")
    ownership = resources(config, "aws_s3_bucket_ownership_controls")
    # THEN each bucket has all four public access blocks and BucketOwnerEnforced ownership
    assert set(blocks) == set(BUCKETS) == set(resources(config, "aws_s3_bucket"))
    for bucket in BUCKETS:
        assert {k: blocks[bucket][k] for k in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                                               "restrict_public_buckets")} == dict.fromkeys(
            ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"), True)
        assert ownership[bucket]["rule"]["object_ownership"] == "BucketOwnerEnforced"


def test_every_bucket_policy_denies_requests_without_tls(workspace):
    # GIVEN a synthesized workspace
    _, config, _ = workspace
    for bucket in BUCKETS:
        # WHEN its bucket policy is read
        document = policy(config, "aws_s3_bucket_policy", bucket)
        bucket_arn = f"arn:aws:s3:::{resources(config, 'aws_s3_bucket')[bucket]['bucket']}"
        denies = [s for s in document["Statement"] if s["Effect"] == "Deny"
                  and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"]
        # THEN one statement denies every S3 action on the bucket and its objects to everyone without TLS
        assert len(denies) == 1
        deny = denies[0]
        assert deny["Principal"] == "*" and deny["Action"] == "s3:*"
        assert sorted(deny["Resource"]) == sorted([bucket_arn, f"{bucket_arn}/*"])
        # AND the policy waits for the public access block (no window with a public policy)
        assert resources(config, "aws_s3_bucket_policy")[bucket]["depends_on"] == [
            f"aws_s3_bucket_public_access_block.{bucket}"]


def test_every_bucket_is_versioned_and_expires_noncurrent_versions_and_stale_uploads(workspace, example_org):
    # GIVEN a synthesized workspace and its noncurrent version parameter
    name, config, _ = workspace
    days = example_org.contexts[name].param("data.noncurrent_version_days")
    versioning = resources(config, "aws_s3_bucket_versioning")
    lifecycle = resources(config, "aws_s3_bucket_lifecycle_configuration")
    for bucket in BUCKETS:
        assert versioning[bucket]["versioning_configuration"]["status"] == "Enabled"
        rules = {rule["id"]: rule for rule in lifecycle[bucket]["rule"]}
        # THEN multipart uploads are aborted, noncurrent versions expire, and every rule applies to all objects
        assert rules["abort-incomplete-multipart-uploads"]["abort_incomplete_multipart_upload"] == [
            {"days_after_initiation": 7}]
        assert rules["expire-noncurrent-versions"]["noncurrent_version_expiration"] == [{"noncurrent_days": days}]
        assert rules["remove-expired-delete-markers"]["expiration"] == [{"expired_object_delete_marker": True}]
        assert all(rule["status"] == "Enabled" and rule["filter"] == [{}] for rule in rules.values())
        assert lifecycle[bucket]["depends_on"] == [f"aws_s3_bucket_versioning.{bucket}"]


def test_data_and_artifacts_log_access_into_the_log_bucket_which_accepts_only_their_logs(workspace):
    # GIVEN a synthesized workspace
    _, config, names = workspace
    logging = resources(config, "aws_s3_bucket_logging")
    # THEN data and artifacts log into the access log bucket under their own prefix; the log bucket does not log
    assert set(logging) == set(KMS_BUCKETS)
    for bucket in KMS_BUCKETS:
        assert logging[bucket]["target_bucket"] == "${aws_s3_bucket.access_logs.id}"
        assert logging[bucket]["target_prefix"] == resources(config, "aws_s3_bucket")[bucket]["bucket"] + "/"
    # AND the log bucket lets only S3 log delivery for those two buckets of this account write, under their prefix
    allows = [s for s in policy(config, "aws_s3_bucket_policy", "access_logs")["Statement"] if s["Effect"] == "Allow"]
    assert {s["Principal"]["Service"] for s in allows} == {"logging.s3.amazonaws.com"}
    assert sorted(s["Condition"]["ArnLike"]["aws:SourceArn"] for s in allows) == sorted(
        [names.bucket_arn(names.artifacts_bucket), names.bucket_arn(names.data_bucket)])
    assert all(s["Condition"]["StringEquals"]["aws:SourceAccount"] == names.account_id for s in allows)
    assert all(s["Action"] == "s3:PutObject" for s in allows)


def test_kms_key_rotates_and_its_policy_names_only_the_account_and_needed_services(workspace):
    # GIVEN a synthesized workspace
    _, config, names = workspace
    key = resources(config, "aws_kms_key")["key"]
    document = json.loads(key["policy"])
    # THEN rotation is on and deletion waits the maximum 30 days
    assert key["enable_key_rotation"] is True and key["deletion_window_in_days"] == 30
    principals = {}
    for item in document["Statement"]:
        assert item["Effect"] == "Allow"
        principals[item["Sid"]] = item["Principal"]
    # AND the account root administers the key; services are named, never "*"
    assert principals["AccountAdministersKey"] == {"AWS": f"arn:aws:iam::{names.account_id}:root"}
    # AND another account appears only where models are promoted to it (churn-model: prod), to decrypt only
    promotion = principals.pop("OtherAccountsDecrypt", None)
    assert promotion == ({"AWS": "arn:aws:iam::222222222222:root"} if names.workspace == "churn-model" else None)
    services = {p["Service"] for sid, p in principals.items() if sid != "AccountAdministersKey"}
    assert services == {f"logs.{names.region}.amazonaws.com", "events.amazonaws.com", "budgets.amazonaws.com",
                        "cloudwatch.amazonaws.com"}
    # AND each service statement is limited to this account (or this log group for CloudWatch Logs)
    for item in document["Statement"]:
        if item["Sid"] == "CloudWatchLogsUseKey":
            assert item["Condition"] == {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": names.log_group_arn}}
        elif item["Sid"] == "OtherAccountsDecrypt":
            assert set(as_list(item["Action"])) == {"kms:Decrypt", "kms:DescribeKey"} and "Condition" not in item
        elif item["Sid"] != "AccountAdministersKey":
            assert item["Condition"] == {"StringEquals": {"aws:SourceAccount": names.account_id}}
            assert set(as_list(item["Action"])) == {"kms:GenerateDataKey*", "kms:Decrypt"}
    # AND the alias is the workspace's
    assert resources(config, "aws_kms_alias")["key"] == {"name": names.key_alias,
                                                        "target_key_id": "${aws_kms_key.key.key_id}"}


def test_image_repository_is_encrypted_scanned_immutable_and_pruned(workspace):
    # GIVEN a synthesized workspace
    _, config, names = workspace
    repository = resources(config, "aws_ecr_repository")["images"]
    # THEN the repository uses the workspace key, scans on push, refuses tag overwrites and is never force-deleted
    assert repository["name"] == names.image_repository
    assert repository["encryption_configuration"] == [{"encryption_type": "KMS", "kms_key": "${aws_kms_key.key.arn}"}]
    assert repository["image_scanning_configuration"] == {"scan_on_push": True}
    assert repository["image_tag_mutability"] == "IMMUTABLE"
    assert repository["force_delete"] is False
    rules = json.loads(resources(config, "aws_ecr_lifecycle_policy")["images"]["policy"])["rules"]
    assert [r["selection"]["tagStatus"] for r in sorted(rules, key=lambda r: r["rulePriority"])] == ["untagged", "any"]


def test_log_group_is_encrypted_with_the_workspace_key_and_keeps_logs_as_configured(workspace, example_org):
    # GIVEN a synthesized workspace
    name, config, names = workspace
    group = resources(config, "aws_cloudwatch_log_group")["logs"]
    # THEN the log group uses the workspace key and the blueprint's retention
    assert group == {**group, "name": names.log_group, "kms_key_id": "${aws_kms_key.key.arn}",
                     "retention_in_days": example_org.contexts[name].param("logs.retention_days")}


def test_alert_topic_is_encrypted_mails_the_owner_and_lets_only_named_services_publish(workspace, example_org):
    # GIVEN a synthesized workspace
    name, config, names = workspace
    topic = resources(config, "aws_sns_topic")["alerts"]
    # THEN the topic is encrypted with the workspace key and the owner is subscribed by email
    assert topic["name"] == names.alert_topic and topic["kms_master_key_id"] == "${aws_kms_key.key.arn}"
    subscriptions = resources(config, "aws_sns_topic_subscription")
    assert [(s["protocol"], s["endpoint"]) for s in subscriptions.values()] == [
        ("email", example_org.contexts[name].owner)]
    # AND the topic policy allows EventBridge, Budgets and CloudWatch for this account, and denies non-TLS publishing
    document = policy(config, "aws_sns_topic_policy", "alerts")
    allows = [s for s in document["Statement"] if s["Effect"] == "Allow"]
    assert {s["Principal"]["Service"] for s in allows} == {"events.amazonaws.com", "budgets.amazonaws.com",
                                                          "cloudwatch.amazonaws.com"}
    assert all(s["Action"] == "sns:Publish" and s["Resource"] == names.alert_topic_arn for s in allows)
    assert all(s["Condition"] == {"StringEquals": {"aws:SourceAccount": names.account_id}} for s in allows)
    deny = statements_by_sid(document)["DenyPublishWithoutTls"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_budget_is_monthly_filtered_by_workspace_tag_and_alerts_at_80_actual_and_100_forecast(workspace, example_org):
    # GIVEN a synthesized workspace and its budget parameter
    name, config, names = workspace
    ctx = example_org.contexts[name]
    budget = resources(config, "aws_budgets_budget")["budget"]
    # THEN the budget is a monthly USD cost budget of budget.monthly_usd for the workspace's tagged resources
    assert (budget["name"], budget["budget_type"], budget["time_unit"], budget["limit_unit"]) == (
        names.budget, "COST", "MONTHLY", "USD")
    assert float(budget["limit_amount"]) == ctx.param("budget.monthly_usd")
    assert budget["cost_filter"] == [{"name": "TagKeyValue", "values": [f"user:provision:workspace${name}"]}]
    # AND the owner and the alert topic hear at 80% actual and 100% forecast
    thresholds = {(n["notification_type"], n["threshold"]) for n in budget["notification"]}
    assert thresholds == {("ACTUAL", 80), ("FORECASTED", 100)}
    for notification in budget["notification"]:
        assert notification["subscriber_email_addresses"] == [ctx.owner]
        assert notification["subscriber_sns_topic_arns"] == ["${aws_sns_topic.alerts.arn}"]


def test_resource_group_queries_the_workspace_and_org_tags(workspace, example_org):
    # GIVEN a synthesized workspace
    name, config, names = workspace
    group = resources(config, "aws_resourcegroups_group")["resource_group"]
    query = json.loads(group["resource_query"]["query"])
    # THEN it lists every supported resource carrying both provision:workspace and provision:org
    assert group["name"] == names.resource_group and group["resource_query"]["type"] == "TAG_FILTERS_1_0"
    assert query["TagFilters"] == [{"Key": "provision:org", "Values": ["acme"]},
                                   {"Key": "provision:workspace", "Values": [name]}]


def test_stateful_resources_are_protected_from_destroy(workspace):
    # GIVEN a synthesized workspace
    _, config, _ = workspace
    # WHEN the resources that carry prevent_destroy are listed
    protected = set(protected_addresses(config))
    # THEN they are the buckets, the key, the image repository and the registry, all of stateful types
    assert protected == {"aws_s3_bucket.data", "aws_s3_bucket.artifacts", "aws_s3_bucket.access_logs",
                         "aws_kms_key.key", "aws_ecr_repository.images", "aws_sagemaker_model_package_group.models"}
    assert all(address.split(".")[0] in STATEFUL for address in protected)
    assert all(resources(config, "aws_s3_bucket")[b]["force_destroy"] is False for b in BUCKETS)


def test_outputs_name_the_workspace_resources_and_hold_no_secret(workspace):
    # GIVEN a synthesized workspace
    _, config, names = workspace
    outputs = config["output"]
    # THEN the useful outputs exist, none is sensitive, and names match the naming helper
    assert {"execution_role_arn", "data_bucket", "artifacts_bucket", "key_arn", "image_repository_url",
            "model_package_group_name", "alert_topic_arn", "access_policy_arn"} <= set(outputs)
    assert outputs["data_bucket"]["value"] == names.data_bucket
    assert outputs["model_package_group_name"]["value"] == names.model_package_group
    assert not any(o.get("sensitive") for o in outputs.values())
    assert not any(word in key for key in outputs for word in ("secret", "password", "token"))


def test_resource_group_description_obeys_the_resource_groups_api_rule(workspace):
    """The AWS provider passes the description to CreateGroup, whose rule ([\\sa-zA-Z0-9_\\.-]*) refused
    the old "(env)" wording at apply time, against the local cloud and on AWS alike."""
    # GIVEN a synthesized workspace
    name, config, _ = workspace
    # WHEN its resource group's description is read
    description = resources(config, "aws_resourcegroups_group")["resource_group"]["description"]
    # THEN it names the workspace and uses only the characters CreateGroup accepts
    from infra.constructs.resource_group import DESCRIPTION

    assert name in description and DESCRIPTION.fullmatch(description)

