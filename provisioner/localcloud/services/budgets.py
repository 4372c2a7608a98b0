"""AWS Budgets: what the provider reads and updates on aws_budgets_budget, which moto 5.2.5 lacks.

Adds (the AWS behaviour followed: the AWS Budgets API Reference,
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_<Operation>.html):

- DescribeSubscribersForNotification: the provider's read of each notification's subscribers. A budget or
  notification that does not exist is NotFoundException, what the provider's read treats as gone.
- UpdateBudget: an update of the limit or filters (the time period is kept when the request leaves it out).
- ListTagsForResource / TagResource / UntagResource: the budget's tags, by its ARN
  (arn:aws:budgets::ACCOUNT:budget/NAME); an ARN naming no budget is NotFoundException.

Corrects moto's own:

- CreateBudget stores its ResourceTags and DeleteBudget drops them;
- DescribeNotificationsForBudget of a budget that does not exist is NotFoundException (moto: HTTP 500).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.budgets.models import BudgetsBackend
from moto.budgets.responses import BudgetsResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import unix_time
from moto.utilities.tagging_service import TaggingService

from provisioner.localcloud.services._moto import Extension, Operation, add_operations, corrects, error, graft, page, state

OPERATIONS: tuple[Operation, ...] = (
    Operation("budgets", "DescribeSubscribersForNotification", "aws_budgets_budget read of each notification's subscribers"),
    Operation("budgets", "UpdateBudget", "aws_budgets_budget update (limit, filters)"),
    Operation("budgets", "ListTagsForResource", "aws_budgets_budget read of tags"),
    Operation("budgets", "TagResource", "aws_budgets_budget update of tags"),
    Operation("budgets", "UntagResource", "aws_budgets_budget update of tags"),
)

EXTENDED: tuple[Extension, ...] = (
    Extension("budgets", "CreateBudget / DeleteBudget", "store / drop ResourceTags"),
    Extension("budgets", "DescribeNotificationsForBudget", "a missing budget is NotFoundException (moto answered HTTP 500)"),
)


def _not_found(message: str) -> Exception:
    return error("NotFoundException", message)


def _budget_arn(backend: Any, account_id: str, name: str) -> str:
    return f"arn:{backend.partition}:budgets::{account_id}:budget/{name}"


def _budget_from_arn(backend: Any, arn: str) -> tuple[str, str]:
    """(account, budget name) of an existing budget's ARN, else NotFoundException."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "budgets" and parts[5].startswith("budget/"):
        account_id, name = parts[4], parts[5][len("budget/") :]
        if name in backend.budgets[account_id]:
            return account_id, name
    raise _not_found(f"Unable to find resource {arn}: the budget doesn't exist.")


def _find_budget(backend: Any, account_id: str, name: str) -> Any:
    budget = backend.budgets[account_id].get(name)
    if budget is None:
        raise _not_found(f"Unable to get budget: {name} - the budget doesn't exist.")
    return budget


def _same_notification(stored: dict[str, Any], asked: dict[str, Any]) -> bool:
    def key(n: dict[str, Any]) -> tuple[Any, ...]:
        return (n.get("NotificationType"), n.get("ComparisonOperator"), float(n.get("Threshold", 0)),
                n.get("ThresholdType") or "PERCENTAGE")

    return key(stored) == key(asked)


class BudgetsExtensionBackend:
    """Grafted onto moto's BudgetsBackend (one per partition: budgets are global)."""

    ext_budget_tags: TaggingService = state(TaggingService)  # budget ARN -> tags

    def describe_subscribers_for_notification(self: Any, account_id: str, budget_name: str,
                                              notification: dict[str, Any]) -> list[dict[str, str]]:
        budget = _find_budget(self, account_id, budget_name)
        for stored in budget.notifications:
            if _same_notification(stored.details, notification):
                return list(stored.subscribers)
        raise _not_found(f"Unable to get subscribers: the notification doesn't exist on budget {budget_name}.")

    def update_budget(self: Any, account_id: str, new_budget: dict[str, Any]) -> None:
        budget = _find_budget(self, account_id, new_budget["BudgetName"])
        kept = {key: budget.budget[key] for key in ("TimePeriod",) if key in budget.budget and key not in new_budget}
        budget.budget = {**new_budget, **kept, "LastUpdatedTime": unix_time()}

    def list_budget_tags(self: Any, arn: str) -> list[dict[str, str]]:
        _budget_from_arn(self, arn)
        return self.ext_budget_tags.list_tags_for_resource(arn)["Tags"]

    def tag_budget(self: Any, arn: str, resource_tags: list[dict[str, str]]) -> None:
        _budget_from_arn(self, arn)
        self.ext_budget_tags.tag_resource(arn, resource_tags)

    def untag_budget(self: Any, arn: str, keys: list[str]) -> None:
        _budget_from_arn(self, arn)
        self.ext_budget_tags.untag_resource_using_names(arn, keys)


class BudgetsExtensionResponse:
    """Grafted onto moto's BudgetsResponse: one handler per added operation, and corrections of moto's own."""

    def describe_subscribers_for_notification(self: Any) -> ActionResult:
        subscribers = self.backend.describe_subscribers_for_notification(
            self._get_param("AccountId"), self._get_param("BudgetName"), self._get_param("Notification"))
        chunk, token = page(subscribers, self._get_param("NextToken"), self._get_param("MaxResults"))
        return ActionResult({"Subscribers": chunk, "NextToken": token})

    def update_budget(self: Any) -> ActionResult:
        self.backend.update_budget(self._get_param("AccountId"), self._get_param("NewBudget"))
        return EmptyResult()

    def list_tags_for_resource(self: Any) -> ActionResult:
        return ActionResult({"ResourceTags": self.backend.list_budget_tags(self._get_param("ResourceARN"))})

    def tag_resource(self: Any) -> ActionResult:
        self.backend.tag_budget(self._get_param("ResourceARN"), self._get_param("ResourceTags"))
        return EmptyResult()

    def untag_resource(self: Any) -> ActionResult:
        self.backend.untag_budget(self._get_param("ResourceARN"), self._get_param("ResourceTagKeys"))
        return EmptyResult()

    @corrects
    def create_budget(self: Any, moto_create: Callable[[Any], Any]) -> Any:
        result = moto_create(self)
        account_id, budget = self._get_param("AccountId"), self._get_param("Budget")
        resource_tags = self._get_param("ResourceTags")
        if resource_tags:
            self.backend.ext_budget_tags.tag_resource(
                _budget_arn(self.backend, account_id, budget["BudgetName"]), resource_tags)
        return result

    @corrects
    def delete_budget(self: Any, moto_delete: Callable[[Any], Any]) -> Any:
        result = moto_delete(self)
        account_id, name = self._get_param("AccountId"), self._get_param("BudgetName")
        self.backend.ext_budget_tags.delete_all_tags_for_resource(_budget_arn(self.backend, account_id, name))
        return result

    @corrects
    def describe_notifications_for_budget(self: Any, moto_describe: Callable[[Any], Any]) -> Any:
        _find_budget(self.backend, self._get_param("AccountId"), self._get_param("BudgetName"))
        return moto_describe(self)


def install() -> list[str]:
    graft(BudgetsBackend, BudgetsExtensionBackend)
    return add_operations(BudgetsResponse, BudgetsExtensionResponse, OPERATIONS)
