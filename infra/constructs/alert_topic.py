"""AlertTopic: a KMS-encrypted SNS topic that AWS services may publish alerts to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cdktn_provider_aws.sns_topic import SnsTopic
from cdktn_provider_aws.sns_topic_policy import SnsTopicPolicy
from cdktn_provider_aws.sns_topic_subscription import SnsTopicSubscription

from infra.constructs._base import L2, PolicyDocument, Statement, policy_json, source_account, statement
from infra.constructs.customer_key import PUBLISH_TO_ENCRYPTED_TOPIC, CustomerKey
from infra.stack_build import add_resource, ref

DEFAULT_PUBLISHERS = ("events.amazonaws.com", "budgets.amazonaws.com", "cloudwatch.amazonaws.com")


def _sid(service: str) -> str:
    return "".join(part.capitalize() for part in service.split(".")[0].split("-"))


class AlertTopic(L2):
    """An SNS topic for workspace alerts.

    The topic is encrypted with the workspace key. Its policy lets each
    publisher service publish for this account only, and denies publishing
    without TLS; the key policy gets the matching statement so the services can
    encrypt messages. Each email address is subscribed (AWS sends a
    confirmation mail; alerts arrive only after it is confirmed).

    Props:
      name: the topic's physical name.
      arn: its ARN (computable from account, region and name).
      key: the CustomerKey encrypting messages at rest.
      account_id: the account whose services may publish.
      emails: addresses subscribed by email; default none.
      publishers: service principals allowed to publish; default EventBridge,
        AWS Budgets and CloudWatch alarms.
    """

    def __init__(self, scope: Any, id: str, *, name: str, arn: str, key: CustomerKey, account_id: str,
                 emails: Sequence[str] = (), publishers: Sequence[str] = DEFAULT_PUBLISHERS) -> None:
        super().__init__(scope, id)
        self.name, self.static_arn = name, arn
        self.resource = add_resource(self.stack, SnsTopic, id, name=name, kms_master_key_id=key.arn)
        self.arn: str = ref(self.resource, "arn")

        def write(statements: list[Statement]) -> None:
            add_resource(self.stack, SnsTopicPolicy, id, arn=self.arn, policy=policy_json(statements))

        self.policy = PolicyDocument(write, scope=self.stack)
        for service in publishers:
            self.policy.add(statement(f"{_sid(service)}Publishes", "sns:Publish", arn,
                                      principal={"Service": service}, conditions=source_account(account_id)))
            key.allow_service(f"{_sid(service)}PublishesToEncryptedTopic", service, PUBLISH_TO_ENCRYPTED_TOPIC)
        self.policy.add(statement("DenyPublishWithoutTls", "sns:Publish", arn, effect="Deny", principal="*",
                                  conditions={"Bool": {"aws:SecureTransport": "false"}}))
        for index, email in enumerate(emails):
            suffix = "" if index == 0 else f"_{index + 1}"
            add_resource(self.stack, SnsTopicSubscription, f"{id}_email{suffix}", topic_arn=self.arn,
                         protocol="email", endpoint=email)
