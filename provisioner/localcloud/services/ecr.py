"""Amazon ECR: a layer pushed can be pulled again, which is how an image moves between repositories.

Corrects moto's own (the AWS behaviour followed: the ECR API Reference,
https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetDownloadUrlForLayer.html and
API_CompleteLayerUpload.html):

- CompleteLayerUpload keeps the layer's bytes (moto kept only their size), per registry, repository and
  digest, with the repository's state.
- GetDownloadUrlForLayer answers the layer's `downloadUrl` and `layerDigest` (moto raised
  NotImplementedError: HTTP 500). AWS answers a pre-signed S3 URL; the local cloud answers a `data:` URL
  holding the layer's bytes, which the reader (`provision models promote`, provisioner/ds/promotion_copy.py)
  verifies against the digest as it verifies AWS's. A layer the repository does not have is
  LayersNotFoundException, as AWS answers; one known only by its size (put before this module kept bytes) is
  LayerInaccessibleException.
"""

from __future__ import annotations

import base64
from typing import Any

from moto.core.responses import ActionResult
from moto.ecr.models import ECRBackend
from moto.ecr.responses import ECRResponse

from provisioner.localcloud.services._moto import Extension, Operation, corrects, error, graft, replaces, state

OPERATIONS: tuple[Operation, ...] = ()

EXTENDED: tuple[Extension, ...] = (
    Extension("ecr", "CompleteLayerUpload / GetDownloadUrlForLayer",
              "keep a pushed layer's bytes and answer its download URL (moto: NotImplementedError), so an image can be copied by digest"),
)


class LayerBackend:
    """Grafted onto moto's ECRBackend."""

    layer_blobs = state(dict)  # (registry id, repository, digest) -> bytes

    @corrects
    def complete_layer_upload(self: Any, moto_complete: Any, repository_name: str, upload_id: str,
                              layer_digests: list[str], registry_id: str | None = None) -> dict[str, Any]:
        repository = self._get_repository(repository_name, registry_id)
        upload = repository.uploads.get(upload_id)
        data = bytes(upload.layer_parts) if upload is not None else b""
        answer = moto_complete(self, repository_name, upload_id, layer_digests, registry_id=registry_id)
        self.layer_blobs[(repository.registry_id, repository_name, answer["layerDigest"])] = data
        return answer

    def download_url_for_layer(self: Any, repository_name: str, layer_digest: str,
                               registry_id: str | None = None) -> dict[str, str]:
        repository = self._get_repository(repository_name, registry_id)
        if layer_digest not in repository.layers:
            raise error("LayersNotFoundException", f"The image layer {layer_digest} does not exist in the repository "
                        f"{repository_name} of registry {repository.registry_id}")
        blob = self.layer_blobs.get((repository.registry_id, repository_name, layer_digest))
        if blob is None:
            raise error("LayerInaccessibleException", f"The image layer {layer_digest} is not accessible")
        url = "data:application/octet-stream;base64," + base64.b64encode(blob).decode()
        return {"downloadUrl": url, "layerDigest": layer_digest}


class LayerResponse:
    """Grafted onto moto's ECRResponse."""

    @replaces
    def get_download_url_for_layer(self: Any) -> ActionResult:
        return ActionResult(self.ecr_backend.download_url_for_layer(
            self._get_param("repositoryName"), self._get_param("layerDigest"), self._get_param("registryId")))


def install() -> list[str]:
    graft(ECRBackend, LayerBackend)
    graft(ECRResponse, LayerResponse)
    return []
