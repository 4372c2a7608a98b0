"""Construct mechanics: growing policy documents, and splitting a managed policy at IAM's size limit."""

from __future__ import annotations

import json

import pytest

from infra.constructs._base import PolicyDocument, statement


def test_statements_with_one_sid_merge_their_resources():
    # GIVEN a policy document that records what it would write
    written = []
    document = PolicyDocument(written.append)
    # WHEN two buckets grant the same statement for their own resources, and one grant repeats
    document.add(statement("ReadWorkspaceObjects", "s3:GetObject", "arn:aws:s3:::a/*"))
    document.add(statement("ReadWorkspaceObjects", "s3:GetObject", "arn:aws:s3:::b/*"))
    document.add(statement("ReadWorkspaceObjects", "s3:GetObject", "arn:aws:s3:::a/*"))
    document.flush()
    # THEN the document is written once, with one statement listing both resources once each
    assert len(written) == 1
    assert written[-1] == [statement("ReadWorkspaceObjects", "s3:GetObject", ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"])]


def test_fails_when_one_sid_is_granted_with_different_actions():
    # GIVEN a document with a statement
    document = PolicyDocument(lambda statements: None)
    document.add(statement("UseKey", "kms:Decrypt", "*"))
    # WHEN the same Sid arrives with other actions  THEN it is refused rather than silently widened
    with pytest.raises(ValueError, match="UseKey"):
        document.add(statement("UseKey", ("kms:Decrypt", "kms:Encrypt"), "*"))


def test_fails_when_a_statement_id_is_not_alphanumeric():
    # GIVEN a Sid with a hyphen  THEN building the statement fails (IAM accepts only [A-Za-z0-9])
    with pytest.raises(ValueError, match="alphanumeric"):
        statement("read-objects", "s3:GetObject", "*")


def _big_statements(count: int) -> list[dict]:
    return [statement(f"Statement{i}", "s3:GetObject", [f"arn:aws:s3:::bucket-{i}-{j:02d}/*" for j in range(10)])
            for i in range(count)]


def test_managed_policy_spills_into_further_policies_at_the_size_limit(synthesized):
    # GIVEN a managed policy that may split (synthesized: jsii is running), and far more than 6,144 characters
    from cdktn import App, TerraformStack, Testing
    from cdktn_provider_aws.provider import AwsProvider

    from infra.constructs.managed_policy import MAX_POLICY_CHARS, ManagedPolicy, estimated_size
    from infra.stack_build import finish

    stack = TerraformStack(App(), "split")
    AwsProvider(stack, "aws", region="eu-west-1")
    policy = ManagedPolicy(stack, "access", name="p-1", description="d", part_name=lambda i: f"p-{i}")
    statements = _big_statements(30)
    # WHEN the statements are added one grant at a time
    for item in statements:
        policy.add_to_policy(item)
    finish(stack)
    config = json.loads(Testing.synth(stack))["resource"]["aws_iam_policy"]
    # THEN there are several policies, each within the limit, together holding every statement in order
    assert len(config) == len(policy.parts) > 1
    documents = [json.loads(config[k]["policy"]) for k in ["access"] + [f"access_{i}" for i in range(2, len(config) + 1)]]
    assert [s for d in documents for s in d["Statement"]] == statements
    assert all(estimated_size(d["Statement"]) <= MAX_POLICY_CHARS for d in documents)
    assert [config[k]["name"] for k in sorted(config)] == sorted(f"p-{i}" for i in range(1, len(config) + 1))


def test_fails_when_a_policy_that_may_not_split_outgrows_the_limit(synthesized):
    # GIVEN a managed policy without part names
    from cdktn import App, TerraformStack

    from infra.constructs.managed_policy import ManagedPolicy
    from infra.stack_build import finish

    stack = TerraformStack(App(), "single")
    policy = ManagedPolicy(stack, "access", name="p", description="d")
    # WHEN statements exceed 6,144 characters  THEN synthesis stops with a message naming the policy
    policy.add_to_policy(*_big_statements(30))
    with pytest.raises(ValueError, match="policy p would exceed"):
        finish(stack)


def test_fails_when_a_split_policy_grows_a_part_after_its_arns_were_read(synthesized):
    # GIVEN a splittable managed policy whose ARNs were handed out (to attach them) while it fit one policy
    from cdktn import App, TerraformStack

    from infra.constructs.managed_policy import ManagedPolicy
    from infra.stack_build import finish

    stack = TerraformStack(App(), "late")
    policy = ManagedPolicy(stack, "access", name="p-1", description="d", part_name=lambda i: f"p-{i}")
    policy.add_to_policy(*_big_statements(1))
    assert len(policy.arns) == 1
    # WHEN statements arrive that need a second policy  THEN finishing refuses (it would be attached nowhere)
    policy.add_to_policy(*_big_statements(30)[1:])
    with pytest.raises(ValueError, match="after its ARNs were read"):
        finish(stack)


def test_resources_of_different_types_share_a_readable_address_name(synthesized):
    # GIVEN a bucket and its public access block, both named "data" (as SecureBucket does)
    from cdktn import App, TerraformStack, Testing
    from cdktn_provider_aws.s3_bucket import S3Bucket
    from cdktn_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock

    from infra.stack_build import add_resource, ref

    stack = TerraformStack(App(), "addresses")
    bucket = add_resource(stack, S3Bucket, "data", bucket="b")
    add_resource(stack, S3BucketPublicAccessBlock, "data", bucket=ref(bucket, "id"), block_public_acls=True)
    # WHEN the stack is synthesized
    config = json.loads(Testing.synth(stack))["resource"]
    # THEN each has the address it was given, and the reference resolves to the bucket
    assert list(config["aws_s3_bucket"]) == ["data"]
    assert config["aws_s3_bucket_public_access_block"]["data"]["bucket"] == "${aws_s3_bucket.data.id}"


@pytest.mark.parametrize("name", ["data bucket", "Default", "1data", ""])
def test_fails_when_a_resource_name_is_not_a_terraform_name(synthesized, name):
    from cdktn import App, TerraformStack
    from cdktn_provider_aws.s3_bucket import S3Bucket

    from infra.stack_build import add_resource

    # GIVEN a stack  WHEN a resource gets a name Terraform (or cdktn's id scheme) cannot keep  THEN it is refused
    with pytest.raises(ValueError, match="not a usable Terraform name"):
        add_resource(TerraformStack(App(), "names"), S3Bucket, name, bucket="b")


def test_fails_when_one_address_is_defined_twice(synthesized):
    from cdktn import App, TerraformStack
    from cdktn_provider_aws.s3_bucket import S3Bucket

    from infra.stack_build import add_resource

    # GIVEN a stack with bucket "data"  WHEN another bucket "data" is added  THEN it is refused, not merged
    stack = TerraformStack(App(), "twice")
    add_resource(stack, S3Bucket, "data", bucket="a")
    with pytest.raises(ValueError, match="aws_s3_bucket.data is defined twice"):
        add_resource(stack, S3Bucket, "data", bucket="b")


def test_fails_when_a_reference_points_at_a_resource_that_is_never_created(synthesized):
    # GIVEN a managed policy whose ARN is handed out (an output names it) but that never receives a
    # statement: IAM rejects an empty policy, so none is written
    from cdktn import App, TerraformStack

    from infra.constructs.managed_policy import ManagedPolicy
    from infra.stack_build import finish, output

    stack = TerraformStack(App(), "dangling")
    policy = ManagedPolicy(stack, "access", name="p", description="d")
    output(stack, "access_policy_arn", policy.arn, "the access policy")
    # WHEN the stack is finished  THEN it refuses to emit a reference to an address it never created
    with pytest.raises(ValueError, match=r"aws_iam_policy\.access .*never created"):
        finish(stack)


def test_references_to_resources_created_at_finish_are_accepted(synthesized):
    # GIVEN a managed policy whose ARN is read before its statements arrive (the usual order)
    from cdktn import App, TerraformStack, Testing
    from cdktn_provider_aws.provider import AwsProvider

    from infra.constructs.managed_policy import ManagedPolicy
    from infra.stack_build import finish, output

    stack = TerraformStack(App(), "promised")
    AwsProvider(stack, "aws", region="eu-west-1")
    policy = ManagedPolicy(stack, "access", name="p", description="d")
    output(stack, "access_policy_arn", policy.arn, "the access policy")
    policy.add_to_policy(*_big_statements(1))
    # WHEN finished  THEN the policy exists and the output points at it
    finish(stack)
    config = json.loads(Testing.synth(stack))
    assert "access" in config["resource"]["aws_iam_policy"]
