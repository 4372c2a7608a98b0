"""The A/B readout's significance tests against hand-computed values (no scipy in the CLI's environment)."""

from __future__ import annotations

import math

import pytest

from provisioner.ds.significance import student_t_two_sided_p, two_proportion_z_test, welch_t_test


def test_two_proportion_z_test_equals_the_hand_computed_statistic():
    # GIVEN 30 of 1000 against 50 of 1000: pooled p = 0.04, se = sqrt(0.04 * 0.96 * 2/1000)
    result = two_proportion_z_test(30, 1000, 50, 1000)
    z = (0.03 - 0.05) / math.sqrt(0.04 * 0.96 * 0.002)
    # THEN z and its two-sided normal p-value are those
    assert result.statistic == pytest.approx(z)
    assert result.p_value == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    assert result.significant


def test_welch_t_test_equals_the_hand_computed_statistic():
    # GIVEN means 3 and 6, variances 2.5 and 2.5, five values each: t = -3 / sqrt(1) = -3, df = 8
    result = welch_t_test([1, 2, 3, 4, 5], [4, 5, 6, 7, 8])
    assert result.statistic == pytest.approx(-3.0)
    # THEN p is Student's t with 8 degrees of freedom at |t| = 3 (0.01707, from tables)
    assert result.p_value == pytest.approx(0.017071, abs=1e-5)


def test_student_t_tends_to_the_normal_distribution():
    # GIVEN a very large df THEN the t distribution's two-sided p equals the normal one
    assert student_t_two_sided_p(1.96, 1e7) == pytest.approx(math.erfc(1.96 / math.sqrt(2)), abs=1e-6)


def test_tests_say_not_enough_data_instead_of_a_p_value():
    # GIVEN 2 errors expected in a variant, and 3 monitoring runs
    rare = two_proportion_z_test(0, 100, 1, 100)
    few = welch_t_test([0.7, 0.71, 0.69], [0.8, 0.81, 0.79, 0.8, 0.82])
    # THEN neither claims a result
    assert not rare.enough_data and rare.p_value is None and not rare.significant
    assert not few.enough_data and "at least 5" in few.note
