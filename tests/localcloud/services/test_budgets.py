"""services/budgets.py: budget subscribers, updates and tags, round-tripped through boto3.

Every call goes to the session's moto server with the extensions installed (conftest.py), and every answer
checked with `call` is checked against the botocore output shape (roundtrip.py).
"""

from __future__ import annotations

import pytest

from .roundtrip import ACCOUNT, REGION, TAGS, call

pytestmark = pytest.mark.moto


NOTIFICATION = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80.0,
                "ThresholdType": "PERCENTAGE"}


SUBSCRIBERS = [{"SubscriptionType": "EMAIL", "Address": "alice@example.com"},
               {"SubscriptionType": "SNS", "Address": f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"}]


def _budget(budgets, name: str = "churn-budget") -> str:
    budgets.create_budget(
        AccountId=ACCOUNT,
        Budget={"BudgetName": name, "BudgetLimit": {"Amount": "1500.00", "Unit": "USD"}, "TimeUnit": "MONTHLY",
                "BudgetType": "COST", "CostFilters": {"TagKeyValue": ["user:provision:workspace$churn"]}},
        NotificationsWithSubscribers=[{"Notification": NOTIFICATION, "Subscribers": SUBSCRIBERS}],
        ResourceTags=TAGS,
    )
    return f"arn:aws:budgets::{ACCOUNT}:budget/{name}"


def test_budget_subscribers_and_tags_round_trip(client):
    budgets = client("budgets")
    # GIVEN a budget created with a notification, its subscribers and tags
    arn = _budget(budgets)
    # WHEN the provider's read asks for the notification's subscribers and the budget's tags
    [notification] = budgets.describe_notifications_for_budget(
        AccountId=ACCOUNT, BudgetName="churn-budget")["Notifications"]
    subscribers = call(budgets, "DescribeSubscribersForNotification", AccountId=ACCOUNT, BudgetName="churn-budget",
                       Notification=notification)["Subscribers"]
    # THEN both come back as created
    assert subscribers == SUBSCRIBERS
    assert call(budgets, "ListTagsForResource", ResourceARN=arn)["ResourceTags"] == TAGS
    # AND tags can be changed
    call(budgets, "TagResource", ResourceARN=arn, ResourceTags=[{"Key": "owner", "Value": "alice@example.com"}])
    call(budgets, "UntagResource", ResourceARN=arn, ResourceTagKeys=["team"])
    assert {t["Key"] for t in budgets.list_tags_for_resource(ResourceARN=arn)["ResourceTags"]} == {
        "provision:workspace", "owner"}
    # AND an update changes the limit
    call(budgets, "UpdateBudget", AccountId=ACCOUNT, NewBudget={
        "BudgetName": "churn-budget", "BudgetLimit": {"Amount": "2000.00", "Unit": "USD"}, "TimeUnit": "MONTHLY",
        "BudgetType": "COST"})
    budget = budgets.describe_budget(AccountId=ACCOUNT, BudgetName="churn-budget")["Budget"]
    assert budget["BudgetLimit"]["Amount"] == "2000.00"
    # AND after delete every read says NotFoundException (what the provider's read looks for)
    budgets.delete_budget(AccountId=ACCOUNT, BudgetName="churn-budget")
    for read in (
        lambda: budgets.describe_subscribers_for_notification(AccountId=ACCOUNT, BudgetName="churn-budget",
                                                              Notification=NOTIFICATION),
        lambda: budgets.describe_notifications_for_budget(AccountId=ACCOUNT, BudgetName="churn-budget"),
        lambda: budgets.list_tags_for_resource(ResourceARN=arn),
    ):
        with pytest.raises(budgets.exceptions.NotFoundException):
            read()


def test_fails_when_budget_notification_does_not_exist(client):
    budgets = client("budgets")
    _budget(budgets)
    # GIVEN a budget with an 80 % ACTUAL notification
    # WHEN the subscribers of a 100 % FORECASTED notification are asked for
    with pytest.raises(budgets.exceptions.NotFoundException):
        budgets.describe_subscribers_for_notification(
            AccountId=ACCOUNT, BudgetName="churn-budget",
            Notification={**NOTIFICATION, "NotificationType": "FORECASTED", "Threshold": 100.0})


def test_fails_when_updating_a_missing_budget(client):
    budgets = client("budgets")
    # GIVEN no budget
    # WHEN one is updated
    with pytest.raises(budgets.exceptions.NotFoundException):
        budgets.update_budget(AccountId=ACCOUNT, NewBudget={
            "BudgetName": "missing", "BudgetLimit": {"Amount": "1", "Unit": "USD"}, "TimeUnit": "MONTHLY",
            "BudgetType": "COST"})
