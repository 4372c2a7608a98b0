"""IAM statements that AWS can honour, for the workspaces synthesized in this folder (see
tests/infra/test_iam_grammar.py for the judge and why)."""

from __future__ import annotations

import pytest
from iam_reference import grammar_problems

pytestmark = pytest.mark.synth


def test_every_synthesized_statement_can_take_effect(serving_synth):
    # GIVEN every IAM policy document of the serving, monitoring and experiments workspaces synthesized here
    # WHEN each statement's condition keys and resources are checked against its actions
    # THEN every condition can match and every action is granted where it can take effect
    assert grammar_problems({**serving_synth.configs, "recsys-ab (reweighted)": serving_synth.reweighted}) == {}
