"""docs/monitoring.md states the rates the harness measures, as measured (fixed seeds: the same on every machine).

When a change of the readout or the drift check moves a rate, this test shows the
row to put in the docs: the docs never claim a rate the suite does not measure.
"""

from __future__ import annotations

from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "monitoring.md"


def test_monitoring_guide_states_every_measured_rate(aa_rates, power_rates, drift_rates):
    text = DOCS.read_text()
    rows = [rate.row() for rates in (aa_rates, power_rates, drift_rates) for rate in rates.values()]
    missing = [row for row in rows if row not in text]
    assert missing == [], "docs/monitoring.md should state, as measured:\n" + "\n".join(rows)
