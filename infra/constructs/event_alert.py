"""EventAlert: an EventBridge rule that forwards matching events to an AlertTopic."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cdktn_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktn_provider_aws.cloudwatch_event_target import CloudwatchEventTarget, CloudwatchEventTargetInputTransformer

from infra.constructs._base import L2
from infra.constructs.alert_topic import AlertTopic
from infra.stack_build import add_resource, ref


class EventAlert(L2):
    """A rule on the default event bus with the alert topic as its target.

    Props:
      name: the rule's physical name.
      description: what the rule catches.
      pattern: the EventBridge event pattern (a dict, written as JSON).
      topic: the AlertTopic receiving the events (its policy must allow
        events.amazonaws.com, which AlertTopic does by default).
      message: a readable message with `<placeholders>` filled from
        `fields` (placeholder -> JSON path); default `None` forwards the raw event.
      fields: placeholder -> JSON path into the event, used by `message`.
    """

    def __init__(self, scope: Any, id: str, *, name: str, description: str, pattern: Mapping[str, Any],
                 topic: AlertTopic, message: str | None = None, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(scope, id)
        self.rule = add_resource(self.stack, CloudwatchEventRule, id, name=name, description=description,
                                 event_pattern=json.dumps(pattern), state="ENABLED")
        transformer = None
        if message is not None:
            transformer = CloudwatchEventTargetInputTransformer(
                input_paths=dict(fields or {}), input_template=json.dumps(message))
        add_resource(self.stack, CloudwatchEventTarget, id, rule=ref(self.rule, "name"), arn=topic.arn,
                     target_id="alert-topic", input_transformer=transformer)
