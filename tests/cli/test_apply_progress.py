"""The lines `apply` and `destroy` print while Terraform works (ApplyProgress, fed Terraform's JSON events)."""

from __future__ import annotations

import pytest

from provisioner.cli._terraform_output import ApplyProgress


@pytest.mark.parametrize(("action", "said"), [("create", "still creating"), ("delete", "still destroying"),
                                              ("update", "still updating")])
def test_a_long_step_says_what_it_is_still_doing_in_plain_english(capsys, action: str, said: str):
    # GIVEN an apply with one resource taking long
    progress = ApplyProgress(total=1)
    # WHEN Terraform reports progress on it
    progress({"type": "apply_progress", "hook": {"resource": {"addr": "aws_s3_bucket.data"}, "action": action,
                                                  "elapsed_seconds": 30}})
    # THEN the line names the action as a word people use
    assert f"{said} aws_s3_bucket.data (30s)" in capsys.readouterr().err
