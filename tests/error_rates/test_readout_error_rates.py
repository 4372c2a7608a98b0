"""What the A/B readout claims holds at its stated error rates, on simulated traffic (a benchmark, not a timed test).

See conftest.py for the protocol and tests/error_rates/traffic.py for the
traffic: daily rhythm, autocorrelated latency, labels arriving days late.
"""

from __future__ import annotations

import pytest

from .traffic import EFFECTS


def test_readout_makes_a_false_claim_in_at_most_5_percent_of_aa_experiments_peeked_at_daily(aa_rates):
    # GIVEN 200 A/A experiments (the variants do not differ), each read out every day for 14 days
    rate = aa_rates["aa"]
    # THEN at most 5 % of them ever showed a better/worse verdict or suggested a promotion
    assert rate.trials >= 200
    assert rate.share <= 0.05, rate.line()


@pytest.mark.parametrize("effect", EFFECTS)
def test_readout_finds_a_difference_that_matters_with_80_percent_power_at_the_sample_it_asks_for(effect,
                                                                                                power_rates):
    # GIVEN 200 experiments where the challenger is worse by the difference that matters on one measure
    rate = power_rates[effect]
    # THEN the readout says "challenger worse" by the time the data reaches the sample it asked for, 80 % of the time
    assert rate.trials >= 200
    assert rate.share >= 0.80, rate.line()
