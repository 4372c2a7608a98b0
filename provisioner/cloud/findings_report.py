"""The inventory's findings as a report the platform team sends around: Markdown, JSON or CSV.

    text = render(report, "md")   # or "json", "csv"

One row per orphan or untagged ML resource, most expensive first (the order of `report.attributions`):
what it is, why it was flagged, who created it, its age, when it was last used, and its monthly cost with
what the cost counts. Data-holding resources (buckets, registries, image repositories) are marked, as
`provision retire` treats them apart. The three formats carry the same columns.
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provisioner.cloud.inventory import InventoryReport

FORMATS = ("md", "json", "csv")
COLUMNS = ("monthly_usd", "type", "name", "finding", "workspace", "creator", "age_days", "last_used",
           "holds_data", "reason", "cost_basis", "region", "arn", "notes")


def rows(report: "InventoryReport") -> list[dict[str, Any]]:
    out = []
    for item in report.attributions:
        row = item.to_dict()
        row["notes"] = "; ".join(row["notes"])
        out.append({column: row[column] for column in COLUMNS})
    return out


def total_usd(report: "InventoryReport") -> float:
    return round(sum(a.monthly_usd or 0.0 for a in report.attributions), 2)


def render(report: "InventoryReport", fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"org": report.org, "account_id": report.account_id, "regions": report.regions,
                           "environments": report.environments,
                           "as_of": report.as_of.isoformat() if report.as_of else None, "currency": "USD",
                           "monthly_total_usd": total_usd(report), "findings": rows(report)}, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows(report):
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
        return buffer.getvalue()
    if fmt == "md":
        return _markdown(report)
    raise ValueError(f"unknown format {fmt!r}")


def _cell(value: Any) -> str:
    text = "-" if value in (None, "") else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _money(value: float | None) -> str:
    return "unknown" if value is None else f"${value:,.2f}"


def _markdown(report: "InventoryReport") -> str:
    when = report.as_of.isoformat() if report.as_of else "-"
    lines = [f"# Unclaimed resources of {report.org}", "",
             f"Account {report.account_id}, {', '.join(report.regions)} (environments: "
             f"{', '.join(report.environments)}), as of {when}. "
             f"{len(report.attributions)} resource(s), {_money(total_usd(report))} a month, most expensive first.",
             "", "| monthly | type | name | finding | creator | age (days) | last used | data | why |",
             "|---:|---|---|---|---|---:|---|---|---|"]
    for row in rows(report):
        lines.append("| " + " | ".join(_cell(v) for v in (
            _money(row["monthly_usd"]), row["type"], row["name"],
            row["finding"] + (f" ({row['workspace']})" if row["workspace"] else ""), row["creator"] or "unknown",
            row["age_days"], (row["last_used"] or "never seen")[:10], "yes" if row["holds_data"] else "",
            row["reason"])) + " |")
    if not report.attributions:
        lines.append("| - | - | - | - | - | - | - | - | nothing unclaimed |")
    notes = [row for row in rows(report) if row["notes"] or row["cost_basis"]]
    if notes:
        lines += ["", "## What each cost counts, and what could not be read", ""]
        lines += [f"- `{row['name']}`: {'; '.join(p for p in (row['cost_basis'], row['notes']) if p)}" for row in notes]
    return "\n".join(lines) + "\n"
