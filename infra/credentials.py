"""Whose credentials provision and Terraform act with in an environment: its deploy role, or the caller's.

By default an environment with a `deploy_role_arn` is reached by assuming that role (from the shell's
credentials), in-process and in the synthesized provider and backend. A CI job has already assumed its
role through GitHub's OIDC provider: the plan role on pull requests, which must never chain into the
deploy role, or the deploy role itself on merge. The generated workflow sets
`PROVISION_CREDENTIALS=ambient` so that neither provision nor Terraform assumes another role; the
synthesized config then has no `assume_role` (and the synth cache keys on the setting).
"""

from __future__ import annotations

import os

VARIABLE = "PROVISION_CREDENTIALS"
AMBIENT = "ambient"


def ambient() -> bool:
    """True when the caller's credentials already are the role to act as (CI jobs)."""
    return os.environ.get(VARIABLE, "").strip().lower() == AMBIENT
