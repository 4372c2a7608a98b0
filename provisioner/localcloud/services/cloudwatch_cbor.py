"""Amazon CloudWatch over Smithy RPC v2 CBOR, the only protocol the AWS provider's SDK speaks to it.

aws-sdk-go-v2 calls CloudWatch (alarms, dashboards) as `POST /service/GraniteServiceVersion20100801/operation/
<Operation>` with a CBOR body (the protocol: https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html);
moto serves CloudWatch's JSON and query protocols at `/` only. This module adds that route for every
CloudWatch operation: it decodes the CBOR input with botocore's parser and the operation's input shape,
hands moto's own CloudWatch handler the same input as JSON, and encodes its answer (or its error, as
`__type` and `message`) back into CBOR with the output shape and the `smithy-protocol: rpc-v2-cbor` header
the SDK checks. State and behaviour stay moto's: an alarm put over CBOR is the alarm boto3 reads over JSON.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import botocore.session
import moto.cloudwatch.urls as cloudwatch_urls
from botocore.model import Shape, StructureShape
from botocore.parsers import JSONParser, RpcV2CBORParser
from botocore.serialize import JSONSerializer, RpcV2CBORSerializer
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.exceptions import ServiceException
from moto.core.request import Request

from provisioner.localcloud.services._moto import Extension, Operation

OPERATIONS: tuple[Operation, ...] = ()

EXTENDED: tuple[Extension, ...] = (
    Extension("cloudwatch", "every operation, over Smithy RPC v2 CBOR",
              "the provider's SDK speaks only CBOR to CloudWatch (alarms, dashboards): bridged to moto's JSON protocol"),
)

CLOUDWATCH_TARGET = "GraniteServiceVersion20100801"  # the service's Smithy name, in the RPC v2 path
ROUTE = "{0}/service/" + CLOUDWATCH_TARGET + "/operation/(?P<operation>[A-Za-z]+)$"
CBOR_HEADERS = {"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"}


def cloudwatch_over_cbor(request: Any, full_url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """The RPC v2 route's handler: one CloudWatch call in CBOR, answered by moto's JSON-protocol handler."""
    operation_name = full_url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    model = _cloudwatch_model()
    if operation_name not in model.operation_names:
        return 400, CBOR_HEADERS, _cbor_error("UnknownOperationException", f"no operation {operation_name}")
    operation = model.operation_model(operation_name)
    body = request.get_data() if hasattr(request, "get_data") else request.data
    params = (RpcV2CBORParser().parse({"body": body or b"", "headers": {}, "status_code": 200}, operation.input_shape)
              if operation.input_shape is not None else {})
    params.pop("ResponseMetadata", None)
    as_json = JSONSerializer().serialize_to_request(params, operation)
    forwarded = {key: value for key, value in headers.items()
                 if key.lower() not in ("content-type", "content-length", "smithy-protocol", "accept")}
    forwarded.update({"Content-Type": "application/x-amz-json-1.0",
                      "X-Amz-Target": f"{CLOUDWATCH_TARGET}.{operation_name}"})
    root = full_url.split("/service/", 1)[0] + "/"
    inner = Request.from_primitives("POST", root, forwarded, as_json["body"])
    try:
        status, _, answer = CloudWatchResponse.dispatch(inner, root, forwarded)
    except ServiceException as failed:  # moto raises modelled errors; its server serializes them elsewhere
        return _error_status(operation, failed.code), CBOR_HEADERS, _cbor_error(failed.code, failed.message)
    text = answer.encode() if isinstance(answer, str) else (answer or b"")
    if status >= 300:
        try:
            error = json.loads(text or b"{}")
        except ValueError:
            error = {"message": text.decode(errors="replace")}
        code = str(error.get("__type") or error.get("code") or error.get("Code") or "InternalFailure").rsplit("#", 1)[-1]
        return status, CBOR_HEADERS, _cbor_error(code, str(error.get("message") or error.get("Message") or ""))
    if operation.output_shape is None:
        return 200, CBOR_HEADERS, b""
    parsed = JSONParser().parse({"body": text or b"{}", "headers": {}, "status_code": 200}, operation.output_shape)
    parsed.pop("ResponseMetadata", None)
    encoded = bytearray()
    RpcV2CBORSerializer()._serialize_data_item(encoded, parsed, operation.output_shape)
    return 200, CBOR_HEADERS, bytes(encoded)


@functools.lru_cache(maxsize=1)
def _cloudwatch_model() -> Any:
    return botocore.session.get_session().get_service_model("cloudwatch")


def _error_status(operation: Any, code: str) -> int:
    """The HTTP status the service model gives error `code` (400 when it names none)."""
    for shape in operation.error_shapes:
        error = shape.metadata.get("error") or {}
        if code in (shape.name, error.get("code")):
            return int(error.get("httpStatusCode") or 400)
    return 400


def _cbor_error(code: str, message: str) -> bytes:
    """A CBOR map {"__type": code, "message": message}: the RPC v2 error body."""
    shape = StructureShape("Error", {"type": "structure", "members": {"__type": {"shape": "S"},
                                                                      "message": {"shape": "S"}}}, _StringShapes())
    encoded = bytearray()
    RpcV2CBORSerializer()._serialize_data_item(encoded, {"__type": code, "message": message}, shape)
    return bytes(encoded)


class _StringShapes:
    """The one-shape resolver `_cbor_error`'s ad hoc structure needs (every member a string)."""

    def resolve_shape_ref(self, ref: dict[str, Any]) -> Any:
        return Shape("S", {"type": "string"})


def install() -> list[str]:
    cloudwatch_urls.url_paths.setdefault(ROUTE, cloudwatch_over_cbor)
    return []
