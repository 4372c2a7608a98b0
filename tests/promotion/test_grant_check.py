"""The promotion grant check (provisioner/ds/grants.py): does dev's resource policy let prod's account read?

Pure policy evaluation, so plain documents: the negatives are what a reviewer tries first against a check
that only looked for an Allow naming the account (a Deny that wins, a condition that does not hold, the wrong
principal, the wrong action, the wrong object). Each negative was allowed by that check before.
"""

from __future__ import annotations

import pytest

from provisioner.ds.grants import allows

DEV, PROD, OTHER = "111111111111", "222222222222", "333333333333"
ROOT = f"arn:aws:iam::{PROD}:root"
OBJECT = "arn:aws:s3:::acme-dev-churn-artifacts/models/churn/1/model.tar.gz"
READ = {"Sid": "OtherAccountsRead", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::acme-dev-churn-artifacts/models/*"}
# What provision's buckets carry besides the grant: TLS-only Denies to everyone, with conditions.
TLS_ONLY = [
    {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Sid": "DenyOldTls", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
     "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}},
]


def _policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_a_grant_to_the_account_reads_through_the_tls_only_denies():
    # GIVEN dev's bucket policy as provision writes it: the read grant to prod and the TLS-only Denies
    # WHEN prod's account reads the model over TLS  THEN it is allowed
    assert allows(_policy(READ, *TLS_ONLY), PROD, "s3:GetObject", OBJECT)
    # AND the same in the other forms that name the account: its bare id, a list, a wildcard action
    assert allows(_policy({**READ, "Principal": {"AWS": PROD}}), PROD, "s3:GetObject", OBJECT)
    assert allows(_policy({**READ, "Principal": {"AWS": [f"arn:aws:iam::{OTHER}:root", ROOT]}}), PROD, "s3:GetObject", OBJECT)
    assert allows(_policy({**READ, "Action": "s3:Get*"}), PROD, "s3:GetObject", OBJECT)


NEGATIVES = {
    "deny-to-the-account": _policy(READ, {"Effect": "Deny", "Principal": {"AWS": ROOT}, "Action": "s3:GetObject",
                                          "Resource": "*"}),
    "deny-to-everyone": _policy(READ, {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}),
    "deny-to-a-role-of-the-account": _policy(READ, {"Effect": "Deny", "Principal": {"AWS": f"arn:aws:iam::{PROD}:role/x"},
                                                    "Action": "s3:GetObject", "Resource": "*"}),
    "deny-to-all-but-dev": _policy(READ, {"Effect": "Deny", "NotPrincipal": {"AWS": f"arn:aws:iam::{DEV}:root"},
                                          "Action": "s3:GetObject", "Resource": "*"}),
    "deny-with-a-condition-that-cannot-be-told": _policy(READ, {
        "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}}}),
    "deny-on-that-object": _policy(READ, {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                                          "Resource": "arn:aws:s3:::acme-dev-churn-artifacts/models/churn/*"}),
    "allow-with-a-condition-that-fails": _policy({**READ, "Condition": {
        "StringEquals": {"aws:PrincipalAccount": OTHER}}}),
    "allow-with-a-condition-that-cannot-be-told": _policy({**READ, "Condition": {
        "StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}),
    "allow-only-without-tls": _policy({**READ, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
    "wrong-principal-another-account": _policy({**READ, "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}}),
    "wrong-principal-one-role-not-the-account": _policy({**READ, "Principal": {"AWS": f"arn:aws:iam::{PROD}:role/ci"}}),
    "wrong-principal-a-service": _policy({**READ, "Principal": {"Service": "sagemaker.amazonaws.com"}}),
    "allow-to-all-but-the-account": _policy({**READ, "Principal": None, "NotPrincipal": {"AWS": ROOT}}),
    "wrong-action": _policy({**READ, "Action": ["s3:PutObject", "s3:ListBucket"]}),
    "notaction-excluding-the-read": _policy({**READ, "Action": None, "NotAction": "s3:Get*"}),
    "wrong-object": _policy({**READ, "Resource": "arn:aws:s3:::acme-dev-churn-artifacts/data/*"}),
    "no-statement": _policy(),
}


@pytest.mark.parametrize("case", NEGATIVES)
def test_fails_when_the_policy_does_not_let_the_account_read(case: str):
    # GIVEN dev's bucket policy with the read grant undone by a Deny, a condition, or a grant that misses
    document = NEGATIVES[case]
    for statement in document["Statement"]:
        for key in [k for k, v in statement.items() if v is None]:
            del statement[key]
    # WHEN the check asks whether prod's account may read the model  THEN it may not
    assert allows(document, PROD, "s3:GetObject", OBJECT) is False


def test_fails_when_there_is_no_policy():
    # GIVEN no policy at all  WHEN the check asks  THEN nothing is allowed to another account
    assert allows(None, PROD, "s3:GetObject", OBJECT) is False
