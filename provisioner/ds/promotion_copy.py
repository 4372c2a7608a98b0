"""Prod owns what it serves: a promoted model's artifact and image are copied into the target workspace.

SageMaker reads a model's artifact and pulls its image on every instance launch. A target version that
pointed at the source account's bucket and repository would change when someone in dev overwrote the
artifact after prod approved it, and would stop scaling out once a routine `destroy --expired` removed the
dev workspace. So `provision models promote` copies, before it registers anything in the target:

- the artifact (`ModelDataUrl`) from the source bucket into the target workspace's artifacts bucket, under
  `<model prefix>/promoted/<source workspace>/v<version>/` (no account id: nothing prod reads names dev), encrypted by the bucket's default
  (the target's customer key). The SHA-256 of what was read is checked against what the target bucket then
  holds; a difference stops the promotion (exit 1). The digest is recorded on the target version;
- the image, by digest, from the source account's repository into the target workspace's repository: the
  manifest exactly as stored (so its digest is the same), each layer the target lacks pulled and checked
  against its digest before it is pushed. An image outside the source account (an AWS-owned framework image)
  is left as it is: it belongs to neither account.

Reads use the source environment's session (its own bucket and repository), writes the target's. The
cross-account grants the source keeps (checked before: provisioner/ds/grants.py) are its consent to release
the model to that account.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import tempfile
import urllib.request
from dataclasses import dataclass
from typing import Any

from provisioner.errors import OperationFailed

IMAGE = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
                   r"(?P<repository>[a-z0-9._/-]+?)(?::(?P<tag>[A-Za-z0-9_.-]+))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$")
S3_URL = re.compile(r"^s3://(?P<bucket>[^/]+)/(?P<key>.+)$")
CHUNK = 8 << 20
# Layer download URLs: AWS answers pre-signed https URLs (the local cloud a data: URL); nothing else is fetched.
DOWNLOAD_SCHEMES = ("https:", "data:")
MANIFEST_TYPES = ["application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.manifest.v1+json"]


@dataclass(frozen=True)
class CopiedContainer:
    """One container of the target version: the target's copies, and the digests they were checked with."""

    image: str
    model_data: str
    artifact_sha256: str
    image_digest: str

    def container(self) -> dict[str, str]:
        return {k: v for k, v in (("Image", self.image), ("ModelDataUrl", self.model_data)) if v}


def copy_into_target(source_aws: Any, target_aws: Any, source: Any, target: Any, version: Any) -> list[CopiedContainer]:
    """Copies every container's artifact and image of VERSION (a SourceVersion) from SOURCE into TARGET
    (WorkspaceContexts); returns the target's containers."""
    from infra.resource_names import WorkspaceNames

    target_names = WorkspaceNames.of(target)
    where = f"{target_names.model_artifacts_prefix}/promoted/{source.name}/v{version.version}"
    copied = []
    for index, container in enumerate(version.containers):
        model_data, sha = "", ""
        if container.get("ModelDataUrl"):
            suffix = f"/{index}" if len(version.containers) > 1 else ""
            model_data, sha = _copy_artifact(source_aws, target_aws, source.region, target.region,
                                             container["ModelDataUrl"], target_names.artifacts_bucket, where + suffix)
        image, digest = container.get("Image", ""), ""
        if image:
            image, digest = _copy_image(source_aws, target_aws, source, target, image, target_names.image_repository)
        copied.append(CopiedContainer(image, model_data, sha, digest))
    return copied


# -- the artifact ------------------------------------------------------------------------------------

def _copy_artifact(source_aws: Any, target_aws: Any, source_region: str, target_region: str, url: str,
                   bucket: str, prefix: str) -> tuple[str, str]:
    from provisioner.cloud.aws import aws_errors

    found = S3_URL.match(url)
    if not found:
        raise OperationFailed(f"the model artifact {url} is not an s3:// URL", "register models trained with provision train")
    key = f"{prefix}/{found['key'].rsplit('/', 1)[-1]}"
    with tempfile.TemporaryFile() as spool:
        with aws_errors(f"reading the model artifact {url}"):
            body = source_aws.client("s3", source_region).get_object(Bucket=found["bucket"], Key=found["key"])["Body"]
            read = _spool(body, spool)
        spool.seek(0)
        with aws_errors(f"copying the model artifact into s3://{bucket}/{key}"):
            s3 = target_aws.client("s3", target_region)
            s3.put_object(Bucket=bucket, Key=key, Body=spool, Metadata={"sha256": read},
                          ChecksumSHA256=base64.b64encode(bytes.fromhex(read)).decode())
            held = _spool(s3.get_object(Bucket=bucket, Key=key)["Body"], None)
    if held != read:
        raise OperationFailed(f"the copy of {url} in s3://{bucket}/{key} does not match what was read (SHA-256 "
                              f"{held} instead of {read})", "promote again; if it persists, compare both objects")
    return f"s3://{bucket}/{key}", read


def _spool(body: Any, into: Any) -> str:
    digest = hashlib.sha256()
    while chunk := body.read(CHUNK):
        digest.update(chunk)
        if into is not None:
            into.write(chunk)
    return digest.hexdigest()


# -- the image ---------------------------------------------------------------------------------------

def _copy_image(source_aws: Any, target_aws: Any, source: Any, target: Any, image: str,
                repository: str) -> tuple[str, str]:
    from provisioner.cloud.aws import aws_errors

    found = IMAGE.match(image)
    if not found or found["account"] != source.account_id:
        return image, ""  # not the source account's: an AWS-owned or shared image, neither account's to copy
    reference = {"imageDigest": found["digest"]} if found["digest"] else {"imageTag": found["tag"] or "latest"}
    src = source_aws.client("ecr", found["region"])
    with aws_errors(f"reading the image {image}"):
        reply = src.batch_get_image(repositoryName=found["repository"], imageIds=[reference],
                                    acceptedMediaTypes=MANIFEST_TYPES)
    if not reply.get("images"):
        reason = "; ".join(f.get("failureReason", "") for f in reply.get("failures", [])) or "not found"
        raise OperationFailed(f"the image {image} cannot be read from account {source.account_id}: {reason}",
                              f"push it first, or register the version with an image that exists")
    got = reply["images"][0]
    manifest, digest = got["imageManifest"], got["imageId"]["imageDigest"]
    media_type = got.get("imageManifestMediaType") or json.loads(manifest).get("mediaType", "")
    layers = _layers(manifest, image)
    dst = target_aws.client("ecr", target.region)
    with aws_errors(f"copying the image {image} into {repository} (account {target.account_id})"):
        present = {layer["layerDigest"] for layer in dst.batch_check_layer_availability(
            repositoryName=repository, layerDigests=layers).get("layers", []) if layer.get("layerAvailability") == "AVAILABLE"} if layers else set()
        for layer in (d for d in layers if d not in present):
            url = src.get_download_url_for_layer(repositoryName=found["repository"], layerDigest=layer)["downloadUrl"]
            blob = _download(url, layer)
            upload = dst.initiate_layer_upload(repositoryName=repository)["uploadId"]
            dst.upload_layer_part(repositoryName=repository, uploadId=upload, partFirstByte=0,
                                  partLastByte=max(len(blob) - 1, 0), layerPartBlob=blob)
            dst.complete_layer_upload(repositoryName=repository, uploadId=upload, layerDigests=[layer])
        try:
            dst.put_image(repositoryName=repository, imageManifest=manifest, imageManifestMediaType=media_type,
                          imageDigest=digest)
        except Exception as exc:
            from provisioner.cloud.aws import error_code

            if error_code(exc) != "ImageAlreadyExistsException":
                raise
    region = target.region
    suffix = ".cn" if region.startswith("cn-") else ""
    return f"{target.account_id}.dkr.ecr.{region}.amazonaws.com{suffix}/{repository}@{digest}", digest


def _layers(manifest: str, image: str) -> list[str]:
    data = json.loads(manifest)
    if "manifests" in data:
        raise OperationFailed(f"the image {image} is a multi-platform index", "promote a single-platform image "
                              "(push one with `docker build --platform linux/amd64`)")
    digests = [data["config"]["digest"]] if isinstance(data.get("config"), dict) else []
    return digests + [layer["digest"] for layer in data.get("layers") or [] if layer.get("digest")]


def _download(url: str, layer: str) -> bytes:
    if not url.startswith(DOWNLOAD_SCHEMES):
        raise OperationFailed(f"the registry answered a download URL for layer {layer} that is neither https nor "
                              "data", "promote again; report it if it persists")
    with urllib.request.urlopen(url, timeout=300) as reply:  # noqa: S310 - schemes checked above
        blob = reply.read()
    if "sha256:" + hashlib.sha256(blob).hexdigest() != layer:
        raise OperationFailed(f"layer {layer} read from the source repository does not match its digest",
                              "promote again; if it persists, the source image is damaged")
    return blob
