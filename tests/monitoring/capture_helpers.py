"""Files in SageMaker's data capture and ground-truth formats, for the monitoring tests (a module: conftests are not imported)."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

NOW = dt.datetime(2026, 11, 30, 14, 20)  # a scheduled run at 14:20 evaluates 13:00-14:00
HOUR = dt.datetime(2026, 11, 30, 13, 0)  # the completed hour such a run reads
ENDPOINT = "acme-recsys-ab-prod-endpoint"
BASELINE = {
    "version": 1,
    "features": [
        {"name": "age", "type": "numeric", "bin_edges": [30, 45, 60], "proportions": [0.25, 0.25, 0.25, 0.25]},
        {"name": "plan", "type": "categorical", "proportions": {"basic": 0.5, "pro": 0.5}},
    ],
}


def capture_line(features: list, output: str, inference_id: str | None = None, content: str = "text/csv",
                 when: dt.datetime = HOUR + dt.timedelta(minutes=5), output_content: str = "text/csv; charset=utf-8") -> str:
    meta = {"eventId": f"event-{random.random()}", "inferenceTime": when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"}
    if inference_id is not None:
        meta["inferenceId"] = inference_id
    return json.dumps({
        "captureData": {
            "endpointInput": {"observedContentType": content, "mode": "INPUT",
                              "data": ",".join("" if f is None else str(f) for f in features), "encoding": "CSV"},
            "endpointOutput": {"observedContentType": output_content, "mode": "OUTPUT",
                               "data": output, "encoding": "CSV"},
        },
        "eventMetadata": meta,
        "eventVersion": "0",
    })


def ground_truth_line(inference_id: str, label: str) -> str:
    return json.dumps({"groundTruthData": {"data": label, "encoding": "CSV"},
                       "eventMetadata": {"eventId": inference_id}, "eventVersion": "0"})


def write(root: Path, key: str, lines: list[str]) -> None:
    path = root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def capture_key(variant: str, hour: dt.datetime, name: str = "05-00-000-abc.jsonl") -> str:
    return f"data-capture/{ENDPOINT}/{variant}/{hour.strftime('%Y/%m/%d/%H')}/{name}"


def truth_key(hour: dt.datetime, name: str = "labels.jsonl") -> str:
    return f"ground-truth/{hour.strftime('%Y/%m/%d/%H')}/{name}"
