"""services/sagemaker_tags.py: SageMaker tags as AWS keeps them, through boto3 (the added kinds' tags: each kind's round trip).

Every call goes to the session's moto server with the extensions installed (conftest.py), and every answer
checked with `call` is checked against the botocore output shape (roundtrip.py).
"""

from __future__ import annotations

import pytest

from .roundtrip import TAGS, call

pytestmark = pytest.mark.moto


def test_add_tags_overwrites_a_key_already_there(client):
    sm = client("sagemaker")
    arn = sm.create_model_package_group(ModelPackageGroupName="churn-models", Tags=TAGS)["ModelPackageGroupArn"]
    # GIVEN a resource tagged team=growth
    # WHEN the provider updates that tag's value
    call(sm, "AddTags", ResourceArn=arn, Tags=[{"Key": "team", "Value": "retention"}])
    # THEN the resource has one team tag, with the new value
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [TAGS[0], {"Key": "team", "Value": "retention"}]
