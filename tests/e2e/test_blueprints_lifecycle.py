"""Every shipped blueprint, planned, applied, checked and destroyed with the real AWS provider on the local cloud.

The provider is the judge: a plan it refuses, an apply that fails or a second plan that is not empty
is a defect in our constructs. Each step is the command a platform engineer runs. The blueprints'
lifecycles run side by side (conftest.py: `lifecycles`); each test reports its blueprint's.
"""

from __future__ import annotations

import pytest

from e2e_support import newest_example_per_blueprint

pytestmark = [pytest.mark.e2e, pytest.mark.terraform, pytest.mark.moto]

EXAMPLES = newest_example_per_blueprint()


@pytest.mark.parametrize("blueprint", sorted(EXAMPLES))
def test_blueprint_plans_applies_converges_and_destroys_without_leftovers(blueprint: str, lifecycles):
    # GIVEN the blueprint's example workspace on the local cloud
    # WHEN it is planned, applied, checked, planned again, destroyed and looked for (e2e_support.lifecycle)
    failure = lifecycles[blueprint]
    # THEN every step passed: no plan or apply error, no change on the second plan, nothing left behind
    if failure:
        pytest.fail(failure, pytrace=False)
