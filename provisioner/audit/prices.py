"""Refreshes the price table from the AWS Price List API (`pricing:GetProducts`).

boto3 is imported inside `fetch_prices` only. The Price List API is served
from a few regions (us-east-1 among them) and needs `pricing:GetProducts`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from provisioner.runtime import clock
from provisioner.errors import OperationFailed

SERVICE_CODE = "AmazonSageMaker"
PRICING_REGION = "us-east-1"
# usagetype fragments (`EUW1-Train:ml.g5.xlarge`) -> table section.
USAGE_KINDS = (("Train:", "training"), ("Host:", "hosting"), ("Processing:", "processing"))


def classify(attributes: dict[str, str]) -> tuple[str, str] | None:
    """(section, key) of one price-list product, or None when the table has no use for it."""
    usage = attributes.get("usagetype", "")
    instance = attributes.get("instanceName") or (usage.split(":", 1)[1] if ":" in usage else "")
    lowered = usage.lower()
    if "mlflow" in lowered or "trackingserver" in lowered.replace("-", ""):
        for size in ("small", "medium", "large"):
            if size in lowered:
                return "mlflow", size
        return None
    if "spot" in lowered or not instance.startswith("ml."):
        return None
    for fragment, kind in USAGE_KINDS:
        if fragment.lower() in lowered:
            return kind, instance
    component = attributes.get("component", "").lower()
    for word, kind in (("train", "training"), ("host", "hosting"), ("processing", "processing")):
        if component.startswith(word):
            return kind, instance
    return None


def hourly_usd(product: dict[str, Any]) -> float | None:
    for term in (product.get("terms", {}).get("OnDemand") or {}).values():
        for dimension in (term.get("priceDimensions") or {}).values():
            unit = str(dimension.get("unit", "")).lower()
            usd = (dimension.get("pricePerUnit") or {}).get("USD")
            if usd is not None and unit.startswith("hr"):
                value = float(usd)
                if value > 0:
                    return value
    return None


def fetch_prices(regions: list[str], client: Any = None) -> dict[str, dict[str, dict[str, float]]]:
    """{region: {section: {key: USD per hour}}} from the Price List API."""
    if client is None:
        import boto3

        client = boto3.client("pricing", region_name=PRICING_REGION)
    result: dict[str, dict[str, dict[str, float]]] = {}
    for region in regions:
        sections: dict[str, dict[str, float]] = {}
        token = None
        while True:
            kwargs: dict[str, Any] = {
                "ServiceCode": SERVICE_CODE,
                "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}],
                "FormatVersion": "aws_v1",
                "MaxResults": 100,
            }
            if token:
                kwargs["NextToken"] = token
            try:
                page = client.get_products(**kwargs)
            except Exception as exc:  # botocore errors: no credentials, access denied, throttling
                raise OperationFailed(f"AWS Price List API: {type(exc).__name__}: {exc}",
                                      "check AWS credentials (pricing:GetProducts is needed), or keep the shipped table") from None
            for text in page.get("PriceList", []):
                product = json.loads(text) if isinstance(text, str) else text
                kind = classify(product.get("product", {}).get("attributes", {}))
                price = hourly_usd(product)
                if kind and price is not None:
                    section, key = kind
                    sections.setdefault(section, {})[key] = price
            token = page.get("NextToken")
            if not token:
                break
        if not sections:
            raise OperationFailed(f"AWS Price List API returned no SageMaker prices for {region}",
                                  "check the region code, for example eu-west-1")
        result[region] = {k: dict(sorted(v.items())) for k, v in sorted(sections.items())}
    return result


def write_table(path: Path, prices: dict[str, dict[str, dict[str, float]]], base: dict[str, Any]) -> dict[str, Any]:
    """Merge fetched regions into a table (keeping other regions) and write it."""
    table = dict(base)
    regions = dict(table.get("regions", {}))
    regions.update(prices)
    table.update({
        "regions": dict(sorted(regions.items())),
        "as_of": clock.today().isoformat(),
        "approximate": False,
        "source": "AWS Price List API (pricing:GetProducts, AmazonSageMaker, OnDemand), via `provision prices update`",
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(table, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return table
