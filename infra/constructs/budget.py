"""Budget: a monthly AWS cost budget for the resources carrying one tag."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cdktn_provider_aws.budgets_budget import BudgetsBudget, BudgetsBudgetCostFilter, BudgetsBudgetNotification

from infra.constructs._base import L2
from infra.constructs.alert_topic import AlertTopic
from infra.stack_build import add_resource


def tag_filter_value(key: str, value: str) -> str:
    """AWS Budgets' `TagKeyValue` filter format for a user-defined cost allocation tag."""
    return f"user:{key}${value}"


class Budget(L2):
    """A monthly COST budget filtered by a cost allocation tag, notifying people and a topic.

    The tag must be activated as a cost allocation tag in the Billing console,
    or the budget tracks nothing (AWS takes up to 24 hours to show tagged cost).

    Props:
      name: the budget's physical name.
      account_id: the account the budget belongs to.
      monthly_usd: the monthly limit in US dollars.
      tag_key, tag_value: the cost allocation tag to filter by.
      emails: addresses notified directly; default none.
      topic: an AlertTopic also notified; default none.
      actual_percent: notify when actual cost passes this share of the limit; default 80.
      forecast_percent: notify when forecast cost passes this share; default 100.
    """

    def __init__(self, scope: Any, id: str, *, name: str, account_id: str, monthly_usd: float, tag_key: str,
                 tag_value: str, emails: Sequence[str] = (), topic: AlertTopic | None = None,
                 actual_percent: float = 80, forecast_percent: float = 100) -> None:
        super().__init__(scope, id)
        if monthly_usd <= 0:
            raise ValueError(f"a budget needs a positive limit, got {monthly_usd}")
        topics = [topic.arn] if topic is not None else None

        def notify(kind: str, percent: float) -> BudgetsBudgetNotification:
            return BudgetsBudgetNotification(
                comparison_operator="GREATER_THAN", notification_type=kind, threshold=percent,
                threshold_type="PERCENTAGE", subscriber_email_addresses=list(emails) or None,
                subscriber_sns_topic_arns=topics,
            )

        self.resource = add_resource(
            self.stack, BudgetsBudget, id,
            name=name,
            account_id=account_id,
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=f"{float(monthly_usd):.2f}",
            limit_unit="USD",
            cost_filter=[BudgetsBudgetCostFilter(name="TagKeyValue", values=[tag_filter_value(tag_key, tag_value)])],
            notification=[notify("ACTUAL", actual_percent), notify("FORECASTED", forecast_percent)],
        )
