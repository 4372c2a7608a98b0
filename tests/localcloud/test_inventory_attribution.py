"""`provision inventory` on the local cloud: planted POCs attributed to who created them, with age, last use and
monthly cost, and the report in the three formats the platform team sends around.

The local cloud is the real sandbox (`sandbox` fixture); its CloudTrail records every create call with the
caller (provisioner/localcloud/services/cloudtrail.py), so each POC is planted by its own IAM user.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from .pocs import HOURS, pocs  # noqa: F401  (pocs: the fixture)

pytestmark = pytest.mark.moto


def test_inventory_attributes_planted_pocs_to_their_creators_with_age_use_and_cost(run, pocs):
    # GIVEN the planted POCs  WHEN the inventory report is taken 12 days after they were made, as JSON
    today = pocs + dt.timedelta(days=12)
    result = run("inventory", "--env", "sandbox", "--format", "json", "--today", today.isoformat())
    # THEN it parses and lists each unclaimed resource once, most expensive first
    assert result.code == 0, result.err
    report = json.loads(result.out)
    rows = {row["name"]: row for row in report["findings"]}
    costs = [row["monthly_usd"] for row in report["findings"] if row["monthly_usd"] is not None]
    assert costs == sorted(costs, reverse=True)
    assert report["findings"][0]["name"] == "pricing-poc-endpoint"
    # AND each is attributed to the IAM user whose create call CloudTrail holds
    assert {name: row["creator"] for name, row in rows.items()} == {
        "pricing-poc-endpoint": "alice", "pricing-poc-endpoint-model": "alice", "acme-pricing-poc-data": "alice",
        "adhoc-demo": "bob", "adhoc-demo-model": "bob", "adhoc-train": "bob"}
    # AND costs come from the audit's price table: 2 x ml.g4dn.xlarge and 1 x ml.m5.large all month
    assert rows["pricing-poc-endpoint"]["monthly_usd"] == round(2 * 0.822 * HOURS, 2)
    assert rows["adhoc-demo"]["monthly_usd"] == round(0.128 * HOURS, 2)
    assert rows["adhoc-train"]["monthly_usd"] == 0.0 and rows["acme-pricing-poc-data"]["monthly_usd"] is None
    # AND ages are counted to the given day; last use from invocations, none for the demo
    assert {row["age_days"] for row in rows.values()} == {12}
    assert rows["pricing-poc-endpoint"]["last_used"][:10] == pocs.isoformat()
    assert rows["adhoc-demo"]["last_used"] is None
    # AND orphans name the workspace their tags claim; the bucket is marked as holding data
    assert (rows["pricing-poc-endpoint"]["finding"], rows["pricing-poc-endpoint"]["workspace"]) == ("orphan", "pricing-lab")
    assert rows["adhoc-demo"]["finding"] == "untagged"
    assert rows["acme-pricing-poc-data"]["holds_data"] is True
    assert report["monthly_total_usd"] == round(2 * 0.822 * HOURS + 0.128 * HOURS, 2)


def test_inventory_report_in_csv_and_markdown_carries_the_same_rows(run, pocs):
    today = (pocs + dt.timedelta(days=3)).isoformat()
    # GIVEN the planted POCs  WHEN the report is asked as CSV and as Markdown
    as_csv = run("inventory", "--env", "sandbox", "--format", "csv", "--today", today)
    as_md = run("inventory", "--env", "sandbox", "--format", "md", "--today", today)
    # THEN the CSV parses with the csv module, one row per resource, most expensive first
    assert as_csv.code == 0, as_csv.err
    rows = list(csv.DictReader(io.StringIO(as_csv.out)))
    assert [r["name"] for r in rows][:2] == ["pricing-poc-endpoint", "adhoc-demo"]
    assert rows[0]["creator"] == "alice" and float(rows[0]["monthly_usd"]) == round(2 * 0.822 * HOURS, 2)
    # AND the Markdown table has the same resources, a header, and the monthly total
    assert as_md.code == 0, as_md.err
    table = [line for line in as_md.out.splitlines() if line.startswith("| $") or line.startswith("| unknown")]
    assert len(table) == len(rows)
    assert table[0].startswith("| $1,200.12 | sagemaker:endpoint | pricing-poc-endpoint | orphan (pricing-lab) | alice | 3 |")
    assert "$1,293.56 a month" in as_md.out


def test_inventory_table_output_keeps_its_sections_and_adds_the_attributions(run, pocs):
    # GIVEN the planted POCs  WHEN the inventory is printed for people
    result = run("inventory", "--env", "sandbox", "--today", (pocs + dt.timedelta(days=1)).isoformat())
    # THEN the orphans section is still there, followed by who made them and what they cost
    assert result.code == 0, result.err
    assert "orphans (1)" in result.out and "no spec workspaces/pricing-lab.yaml" in result.out
    assert "who made them, and what they cost" in result.out
    assert "$1,200.12" in result.out and "alice" in result.out


def test_fails_when_the_report_format_is_unknown(run):
    # GIVEN the org  WHEN an unknown format is asked
    result = run("inventory", "--format", "xlsx")
    # THEN one line names the option and the formats there are; exit 2
    assert result.code == 2
    assert "--format" in result.err and "md, json, csv" in result.err
