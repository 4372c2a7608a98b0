"""services/ecr.py: a pushed layer can be pulled again (GetDownloadUrlForLayer), through boto3.

Every call goes to the session's moto server with the extensions installed (conftest.py).
"""

from __future__ import annotations

import hashlib
import urllib.request

import pytest

from .roundtrip import call, error_code

pytestmark = pytest.mark.moto


def _push_layer(ecr, repository: str, blob: bytes) -> str:
    upload = ecr.initiate_layer_upload(repositoryName=repository)["uploadId"]
    ecr.upload_layer_part(repositoryName=repository, uploadId=upload, partFirstByte=0, partLastByte=len(blob) - 1,
                          layerPartBlob=blob)
    return ecr.complete_layer_upload(repositoryName=repository, uploadId=upload,
                                     layerDigests=["sha256:" + hashlib.sha256(blob).hexdigest()])["layerDigest"]


def test_a_pushed_layer_downloads_with_its_digest(client):
    ecr = client("ecr")
    # GIVEN a repository holding a pushed layer
    ecr.create_repository(repositoryName="images")
    digest = _push_layer(ecr, "images", b"layer bytes")
    # WHEN its download URL is asked
    answer = call(ecr, "GetDownloadUrlForLayer", repositoryName="images", layerDigest=digest)
    # THEN the URL serves exactly the bytes pushed (AWS: a pre-signed S3 URL; the local cloud: a data: URL)
    assert answer["layerDigest"] == digest
    with urllib.request.urlopen(answer["downloadUrl"]) as reply:
        assert "sha256:" + hashlib.sha256(reply.read()).hexdigest() == digest


def test_fails_when_the_layer_is_not_in_the_repository(client):
    ecr = client("ecr")
    # GIVEN a repository without that layer  WHEN its download URL is asked  THEN LayersNotFoundException, as AWS answers
    ecr.create_repository(repositoryName="images")
    with pytest.raises(ecr.exceptions.ClientError) as excinfo:
        ecr.get_download_url_for_layer(repositoryName="images", layerDigest="sha256:" + "0" * 64)
    assert error_code(excinfo) == "LayersNotFoundException"
