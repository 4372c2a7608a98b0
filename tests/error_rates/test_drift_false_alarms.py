"""The drift alarm's false alarms per run stay at or below the rate the evaluation script states (simulation).

Records drawn from the baseline itself, at 30, 100 and 1000 per run (see conftest.py).
"""

from __future__ import annotations

import pytest

from provisioner.monitoring.evaluate import DRIFT_FALSE_ALARM_RATE

from .conftest import DRIFT_SIZES


@pytest.mark.parametrize("size", DRIFT_SIZES)
def test_records_from_the_baseline_itself_alarm_at_most_at_the_stated_rate(size, drift_rates):
    # GIVEN 2,000 runs of one variant whose records come from the baseline: nothing drifted
    rate = drift_rates[size]
    # THEN at most 1 % of them alarm, at every number of records
    assert rate.share <= DRIFT_FALSE_ALARM_RATE, rate.line()
