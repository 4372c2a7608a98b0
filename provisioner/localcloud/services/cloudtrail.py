"""AWS CloudTrail: the event history (LookupEvents) of the create calls made in the local cloud.

Every AWS account keeps 90 days of management events in CloudTrail's event history, without a trail being
configured, and `LookupEvents` searches them. moto 5.2.5 implements trails but neither the history nor
LookupEvents. `provision inventory` reads the history to name who created an orphan. Followed (the
CloudTrail API Reference, https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html,
and "Viewing events with CloudTrail Event history" in the user guide):

- Recorded: every successful create call (an operation named `Create...`) of any service moto dispatches,
  S3's CreateBucket included, in the account and region it was made in, with the caller as AWS shows it:
  `Username` is an IAM user's name, an assumed role's session name, `root` for an account's root; the
  event's `userIdentity` carries the caller's ARN. A failed call is not recorded (AWS records it with an
  `errorCode`; nobody created anything). Read-only calls are not recorded: LookupEvents is asked here only
  for who created what.
- `requestParameters` holds only the resource's name: provision's own requests can carry environment values
  a trail would show, and this history never needs them.
- LookupEvents: at most one lookup attribute (AWS refuses more with InvalidLookupAttributesException),
  StartTime/EndTime (a start after the end is InvalidTimeRangeException), newest first, at most 50 per page
  (MaxResults), NextToken paging, and events older than 90 days are gone.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from typing import Any

from moto.cloudtrail.models import CloudTrailBackend, cloudtrail_backends
from moto.cloudtrail.responses import CloudTrailResponse
from moto.core.responses import ActionResult, BaseResponse
from moto.s3.responses import S3Response

from provisioner.localcloud.services._moto import (
    Extension,
    Operation,
    add_operations,
    corrects,
    error,
    graft,
    page,
    state,
)
from provisioner.runtime import clock

OPERATIONS: tuple[Operation, ...] = (
    Operation("cloudtrail", "LookupEvents", "`provision inventory`: who created an orphan (its create call)"),
)

EXTENDED: tuple[Extension, ...] = (
    Extension("cloudtrail", "Create* calls of every service (S3 CreateBucket too)",
              "recorded in the event history with the caller, as AWS records management events"),
)

HISTORY_DAYS = 90  # CloudTrail keeps management events this long in the event history
LOOKUP_KEYS = {"EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName", "EventSource",
               "AccessKeyId"}
# The request parameter naming what a create call creates, where it is not `<Noun>Name` (CreateTrainingJob:
# TrainingJobName). Compared lower-cased: ECR spells it `repositoryName`.
NAME_PARAMETERS = {"createbucket": "Bucket", "createtopic": "Name", "createkey": None}


class RecordedEvent:
    def __init__(self, *, name: str, source: str, region: str, account: str, access_key: str, caller_arn: str,
                 resource_type: str, resource_name: str | None) -> None:
        self.id = str(uuid.uuid4())
        self.name, self.source, self.region, self.account = name, source, region, account
        self.access_key, self.caller_arn = access_key, caller_arn
        self.resource_type, self.resource_name = resource_type, resource_name
        self.time = clock.now()

    @property
    def username(self) -> str:
        """What AWS shows as `Username`: an IAM user's name, an assumed role's session name, `root`."""
        resource = self.caller_arn.split(":", 5)[-1]
        if resource == "root":
            return "root"
        return resource.rsplit("/", 1)[-1]

    @property
    def identity_type(self) -> str:
        resource = self.caller_arn.split(":", 5)[-1]
        return "Root" if resource == "root" else "AssumedRole" if resource.startswith("assumed-role/") else "IAMUser"

    def attribute(self, key: str) -> str | None:
        return {"EventId": self.id, "EventName": self.name, "ReadOnly": "false", "Username": self.username,
                "ResourceType": self.resource_type, "ResourceName": self.resource_name,
                "EventSource": self.source, "AccessKeyId": self.access_key}.get(key)

    def to_dict(self) -> dict[str, Any]:
        body = {
            "eventVersion": "1.09", "eventID": self.id, "eventTime": self.time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": self.source, "eventName": self.name, "awsRegion": self.region, "readOnly": False,
            "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": self.account,
            "userIdentity": {"type": self.identity_type, "arn": self.caller_arn, "accountId": self.account,
                             "accessKeyId": self.access_key},
            "requestParameters": {"name": self.resource_name} if self.resource_name else None,
        }
        return {
            "EventId": self.id, "EventName": self.name, "ReadOnly": "false", "AccessKeyId": self.access_key,
            "EventTime": self.time, "EventSource": self.source, "Username": self.username,
            "Resources": ([{"ResourceType": self.resource_type, "ResourceName": self.resource_name}]
                          if self.resource_name else []),
            "CloudTrailEvent": json.dumps(body),
        }


class EventHistoryBackend:
    """Grafted onto moto's CloudTrailBackend: the account's and region's event history."""

    ext_event_history: list[RecordedEvent] = state(list)

    def record_event(self: Any, event: RecordedEvent) -> None:
        self.ext_event_history.append(event)

    def lookup_events(self: Any, attributes: list[dict[str, str]], start: dt.datetime | None,
                      end: dt.datetime | None) -> list[RecordedEvent]:
        if len(attributes) > 1:
            raise error("InvalidLookupAttributesException", "You cannot specify more than one lookup attribute.")
        for attribute in attributes:
            if attribute.get("AttributeKey") not in LOOKUP_KEYS:
                raise error("InvalidLookupAttributesException",
                            f"{attribute.get('AttributeKey')} is not a valid lookup attribute key.")
        if start and end and start > end:
            raise error("InvalidTimeRangeException", "Start time must be before end time.")
        oldest = clock.now() - dt.timedelta(days=HISTORY_DAYS)
        found = [event for event in self.ext_event_history
                 if event.time >= oldest and (start is None or event.time >= start)
                 and (end is None or event.time <= end)
                 and all(event.attribute(a["AttributeKey"]) == a.get("AttributeValue") for a in attributes)]
        return sorted(found, key=lambda event: event.time, reverse=True)


def _when(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, dt.timezone.utc)
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


class EventHistoryResponse:
    """Grafted onto moto's CloudTrailResponse."""

    def lookup_events(self: Any) -> ActionResult:
        events = self.cloudtrail_backend.lookup_events(
            self._get_param("LookupAttributes") or [], _when(self._get_param("StartTime")),
            _when(self._get_param("EndTime")))
        chunk, token = page(events, self._get_param("NextToken"), min(int(self._get_param("MaxResults") or 50), 50))
        return ActionResult({"Events": [event.to_dict() for event in chunk], "NextToken": token})


def _caller_arn(access_key: str, account: str, region: str) -> str:
    from moto.sts.models import sts_backends

    try:
        _, arn, _ = sts_backends[account]["aws"].get_caller_identity(access_key, region)
        return arn
    except Exception:  # noqa: BLE001 - a caller moto cannot name is still recorded, as its account
        return f"arn:aws:iam::{account}:root"


def _record(response: Any, action: str, resource_name: str | None) -> None:
    service = str(getattr(response, "service_name", "") or "").lower()
    region = getattr(response, "region", None) or "us-east-1"
    account = response.current_account
    noun = action[len("Create"):]
    backend: CloudTrailBackend = cloudtrail_backends[account][region]
    backend.record_event(RecordedEvent(
        name=action, source=f"{service}.amazonaws.com", region=region, account=account,
        access_key=response.access_key, caller_arn=_caller_arn(response.access_key, account, region),
        resource_type=f"AWS::{service.capitalize()}::{noun}", resource_name=resource_name))


def _resource_name(response: Any, action: str) -> str | None:
    lowered = action.lower()
    if lowered in NAME_PARAMETERS:
        key = NAME_PARAMETERS[lowered]
        return response._get_param(key) if key else None
    noun = action[len("Create"):]
    for key in (f"{noun}Name", f"{noun[:1].lower()}{noun[1:]}Name"):
        value = response._get_param(key)
        if value:
            return str(value)
    return None


class RecordingResponse:
    """Grafted onto moto's BaseResponse: a successful create call of any service lands in the event history."""

    @corrects
    def call_action(self: Any, moto_call: Callable[[Any], Any]) -> Any:
        result = moto_call(self)
        try:
            action = self._get_action()
            if action.startswith("Create") and int(result[0]) < 400:
                _record(self, action, _resource_name(self, action))
        except Exception:  # noqa: BLE001 - the history must never break the call it records
            pass
        return result


class RecordingBucketResponse:
    """Grafted onto moto's S3Response, which does not dispatch through call_action: CreateBucket is the PUT on
    a bucket that moto names `CreateBucket` once it has created it."""

    @corrects
    def _bucket_response_put(self: Any, moto_put: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        result = moto_put(self, *args, **kwargs)
        try:
            status = result[0] if isinstance(result, tuple) and len(result) == 3 else 200
            if self.data.get("Action") == "CreateBucket" and int(status) < 400:
                self.service_name = "s3"
                _record(self, "CreateBucket", self.bucket_name)
        except Exception:  # noqa: BLE001 - the history must never break the call it records
            pass
        return result


def install() -> list[str]:
    graft(CloudTrailBackend, EventHistoryBackend)
    graft(BaseResponse, RecordingResponse)
    graft(S3Response, RecordingBucketResponse)
    return add_operations(CloudTrailResponse, EventHistoryResponse, OPERATIONS)
