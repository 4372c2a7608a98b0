"""Rule outcomes a fixture pair cannot tell apart: "checked and passed" against "not applicable".

An auditor reads the pack's coverage (how many resources each rule evaluated); a rule that calls a policy it
read and found clean "not applicable" hides that it ran. Each case here killed a mutant that the rule's
passing and failing fixtures let live (scripts/mutation.py quick; docs/testing.md).
"""

from __future__ import annotations

import json
from pathlib import Path

from audit_fixtures import load_fixture
from provisioner.audit.pack import run_pack
from provisioner.audit.rules import load_rules

SERVICE_ONLY_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def _config(tmp_path: Path, resources: dict) -> Path:
    path = tmp_path / "cdk.tf.json"
    path.write_text(json.dumps({"//": {"workspace": {"account_id": "111111111111",
                                                     "org_accounts": ["111111111111", "222222222222"]}},
                                "resource": resources}))
    return path


def test_a_policy_naming_no_account_passes_prov_034_and_no_policy_is_not_applicable(tmp_path: Path):
    # GIVEN a role whose trust policy names only a service, and a bucket policy resource without a policy
    [rule] = [r for r in load_rules() if r.id == "PROV-034"]
    config, _ = load_fixture(_config(tmp_path, {
        "aws_iam_role": {"execution": {"name": "r", "assume_role_policy": json.dumps(SERVICE_ONLY_TRUST)}},
        "aws_s3_bucket_policy": {"empty": {"bucket": "b"}},
    }))
    # WHEN PROV-034 runs on them
    result = run_pack(config, [rule])
    # THEN the role was read and passes (no account outside the org), the policy-less resource is not applicable
    assert result.findings == []
    assert (result.stats["PROV-034"].passed, result.stats["PROV-034"].not_applicable) == (1, 1)
