"""Monthly cost estimates from the shipped price table, and refreshing the table."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from audit_fixtures import FIXTURES
from provisioner.audit.config import load_config
from provisioner.audit.cost import PriceTable, estimate, runs_per_month
from provisioner.runtime.locations import shipped_price_table
from provisioner.audit.prices import classify, fetch_prices, write_table
from provisioner.errors import OperationFailed

SERVING = FIXTURES / "scenarios" / "serving.json"


@pytest.fixture(scope="module")
def table() -> PriceTable:
    return PriceTable.load()


def test_endpoint_monitoring_and_mlflow_costs_add_up_from_the_price_table(table):
    # GIVEN a serving workspace: 2 x m5.large + 1 shadow c5.xlarge, hourly monitoring on m5.xlarge for up to 30 min, a Small MLflow
    config = load_config(SERVING)
    prices = table.data["regions"]["eu-west-1"]
    # WHEN its cost is estimated
    result = estimate(config, table, "eu-west-1", {"training.instance_types": ["ml.g5.xlarge"], "training.max_instances": 2})
    data = result.to_dict()
    by_what = {line["what"]: line for line in data["monthly"]}
    # THEN each line is instance price x count x hours, and the total is their sum
    assert by_what["variant blue"]["monthly"] == round(prices["hosting"]["ml.m5.large"] * 2 * 730, 2)
    assert by_what["shadow variant shadow"]["monthly"] == round(prices["hosting"]["ml.c5.xlarge"] * 1 * 730, 2)
    monitoring = next(line for line in data["monthly"] if line["kind"] == "monitoring")
    assert monitoring["monthly"] == round(prices["processing"]["ml.m5.xlarge"] * 0.5 * 24 * 30.4, 2)
    mlflow = next(line for line in data["monthly"] if line["kind"] == "mlflow")
    assert mlflow["monthly"] == round(prices["mlflow"]["small"] * 730, 2)
    assert data["monthly_total_usd"] == pytest.approx(sum(line["monthly"] for line in data["monthly"]), abs=0.05)
    # AND autoscaling to 4 blue instances raises the maximum, training is per hour at the maximum
    assert by_what["variant blue"]["monthly_max"] == round(prices["hosting"]["ml.m5.large"] * 4 * 730, 2)
    assert data["training_per_hour"] == [{"instance_type": "ml.g5.xlarge", "per_instance_hour": prices["training"]["ml.g5.xlarge"],
                                          "max_instances": 2, "per_hour_at_max": round(prices["training"]["ml.g5.xlarge"] * 2, 2)}]


def test_estimate_is_compared_with_the_workspace_budget(table):
    # GIVEN the serving workspace with the budget of its aws_budgets_budget (500 USD)
    config = load_config(SERVING)
    # WHEN estimated without workspace parameters
    data = estimate(config, table, "eu-west-1").to_dict()
    # THEN the budget comes from the config and the (larger) cost is flagged as over budget
    assert data["budget_usd"] == 500.0
    assert data["over_budget"] is True and data["budget_used_pct"] > 100
    # AND a budget parameter wins over the config
    assert estimate(config, table, "eu-west-1", {"budget.monthly_usd": 5000}).to_dict()["over_budget"] is False


def test_unknown_region_falls_back_to_us_east_1_and_says_so(table):
    # GIVEN a region the table does not have
    config = load_config(SERVING)
    # WHEN estimated there
    data = estimate(config, table, "ap-south-2").to_dict()
    # THEN prices come from us-east-1 and a note says which
    assert data["monthly_total_usd"] > 0
    assert any("used us-east-1 prices" in note for note in data["notes"])


@pytest.mark.parametrize("expression, runs", [
    ("cron(0 * ? * * *)", 24 * 30.4), ("cron(0 0 ? * * *)", 30.4), ("cron(0 */6 ? * * *)", 4 * 30.4),
    ("cron(0 8 ? * MON *)", 4.35), ("NOW", 1.0), (None, 0.0),
])
def test_runs_per_month_of_monitoring_schedules(expression, runs):
    # GIVEN a schedule expression
    # WHEN converted to runs per month
    # THEN hourly, daily, every 6 hours, weekly and one-off schedules are counted
    assert runs_per_month(expression) == pytest.approx(runs)


def _product(usagetype: str, usd: str, instance: str = "", component: str = "") -> str:
    attributes = {"usagetype": usagetype, "regionCode": "eu-west-1"}
    if instance:
        attributes["instanceName"] = instance
    if component:
        attributes["component"] = component
    return json.dumps({"product": {"attributes": attributes},
                       "terms": {"OnDemand": {"T1": {"priceDimensions": {"D1": {"unit": "Hrs", "pricePerUnit": {"USD": usd}}}}}}})


def test_prices_update_reads_the_price_list_api_and_keeps_other_regions(tmp_path):
    """moto 5.2.5 has no `pricing` service (no moto/pricing backend), so botocore's Stubber stands in for the
    AWS Price List API: it checks each request against the service model and returns the recorded pages."""
    # GIVEN a Price List API that answers two pages for eu-west-1
    client = boto3.client("pricing", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    request = {"ServiceCode": "AmazonSageMaker", "FormatVersion": "aws_v1", "MaxResults": 100,
               "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": "eu-west-1"}]}
    stub.add_response("get_products", {"PriceList": [
        _product("EUW1-Train:ml.g5.xlarge", "1.60", "ml.g5.xlarge"),
        _product("EUW1-Host:ml.m5.large", "0.13", "ml.m5.large"),
        _product("EUW1-Spot-Train:ml.g5.xlarge", "0.50", "ml.g5.xlarge"),
    ], "NextToken": "page2", "FormatVersion": "aws_v1"}, request)
    stub.add_response("get_products", {"PriceList": [
        _product("EUW1-Processing:ml.m5.xlarge", "0.26", "ml.m5.xlarge"),
        _product("EUW1-MLflow-TrackingServer-Small-Hrs", "0.70"),
    ], "FormatVersion": "aws_v1"}, {**request, "NextToken": "page2"})
    # WHEN the table is refreshed and written over the shipped one
    with stub:
        prices = fetch_prices(["eu-west-1"], client=client)
    target = tmp_path / "prices.json"
    table = write_table(target, prices, json.loads(shipped_price_table().read_text()))
    # THEN on-demand prices land in their sections (spot ignored), other regions are kept, and the table loads
    assert prices["eu-west-1"] == {"hosting": {"ml.m5.large": 0.13}, "mlflow": {"small": 0.7},
                                   "processing": {"ml.m5.xlarge": 0.26}, "training": {"ml.g5.xlarge": 1.6}}
    assert "us-east-1" in table["regions"] and table["approximate"] is False
    assert PriceTable.load(target).price("eu-west-1", "training", "ml.g5.xlarge") == (1.6, "eu-west-1")


def test_fails_when_the_price_list_api_refuses(tmp_path):
    """Stubber again (moto has no pricing service): the API answers AccessDenied."""
    # GIVEN a Price List API that denies access
    client = boto3.client("pricing", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    stub.add_client_error("get_products", service_error_code="AccessDeniedException", http_status_code=403)
    # WHEN prices are fetched
    # THEN an OperationFailed names the permission to ask for
    with stub, pytest.raises(OperationFailed) as caught:
        fetch_prices(["eu-west-1"], client=client)
    assert "pricing:GetProducts" in caught.value.hint


def test_classify_ignores_products_the_table_does_not_use():
    # GIVEN notebook and storage products
    # WHEN classified
    # THEN they are skipped, while a training price is kept
    assert classify({"usagetype": "EUW1-Notebk:ml.t3.medium", "instanceName": "ml.t3.medium"}) is None
    assert classify({"usagetype": "EUW1-VolumeUsage.gp2"}) is None
    assert classify({"usagetype": "EUW1-Train:ml.p4d.24xlarge"}) == ("training", "ml.p4d.24xlarge")


@pytest.mark.moto
def test_prices_update_command_reports_an_api_failure_as_one_line(aws, acme, monkeypatch, capsys):
    """Against the moto server (AWS_ENDPOINT_URL): moto has no Price List API, so the call fails there,
    on 127.0.0.1, and the command must turn that into exit code 1 with a hint, without a traceback."""
    from provisioner.cli.main import cli

    # GIVEN the example org and an AWS endpoint that does not serve pricing:GetProducts
    monkeypatch.chdir(acme)
    # WHEN prices are updated
    code = cli(["prices", "update", "--region", "eu-west-1"])
    err = capsys.readouterr().err
    # THEN it fails with one error line and the hint, and writes no table
    assert code == 1
    assert "AWS Price List API" in err and "pricing:GetProducts" in err and "Traceback" not in err
    assert not (acme / ".provision" / "prices.json").exists()


def _scheduled_pipeline(state: str) -> dict:
    definition = {"Version": "2020-12-01", "Steps": [{"Name": "Evaluate", "Type": "Processing", "Arguments": {
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.t3.medium"}},
        "StoppingCondition": {"MaxRuntimeInSeconds": 1800}}}]}
    return {"resource": {
        "aws_sagemaker_pipeline": {"monitoring_pipeline": {"pipeline_name": "p", "pipeline_display_name": "p",
                                                           "pipeline_definition": json.dumps(definition)}},
        "aws_scheduler_schedule": {"monitoring_pipeline": {
            "name": "s", "schedule_expression": "cron(0 * ? * * *)", "state": state,
            "target": {"arn": "${aws_sagemaker_pipeline.monitoring_pipeline.arn}", "role_arn": "r"}}}}}


def test_monitoring_pipeline_costs_its_processing_time_and_the_schedulers_invocations(table, tmp_path):
    # GIVEN an hourly schedule starting a pipeline whose one step runs up to 30 minutes on ml.t3.medium
    path = tmp_path / "cdk.tf.json"
    path.write_text(json.dumps(_scheduled_pipeline("ENABLED")))
    price = table.data["regions"]["eu-west-1"]["processing"]["ml.t3.medium"]
    # WHEN estimated
    data = estimate(load_config(path), table, "eu-west-1").to_dict()
    lines = {line["kind"]: line for line in data["monthly"]}
    # THEN the pipeline costs runs x maximum runtime x the processing price, an upper bound
    runs = 24 * 30.4
    assert lines["monitoring"]["address"] == "aws_sagemaker_pipeline.monitoring_pipeline"
    assert lines["monitoring"]["monthly"] == round(price * 0.5 * runs, 2)
    # AND the scheduler's invocations are priced (within the free tier, so they round to nothing)
    assert lines["scheduler"]["count"] == pytest.approx(runs)
    assert lines["scheduler"]["monthly"] == round(runs / 1_000_000, 2)


def test_a_schedule_that_is_off_costs_nothing_until_it_runs(table, tmp_path):
    # GIVEN the same pipeline before the endpoint exists (schedule off)
    path = tmp_path / "cdk.tf.json"
    path.write_text(json.dumps(_scheduled_pipeline("DISABLED")))
    data = estimate(load_config(path), table, "eu-west-1").to_dict()
    monitoring = next(line for line in data["monthly"] if line["kind"] == "monitoring")
    # THEN this month costs nothing, the maximum shows what it costs once on, and the note says why
    assert monitoring["monthly"] == 0 and monitoring["monthly_max"] > 0
    assert "schedule off until the endpoint exists" in monitoring["note"]
