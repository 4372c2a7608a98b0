"""Every rule in the pack against its own passing and failing fixture."""

from __future__ import annotations

import pytest

from provisioner.audit.pack import run_pack
from provisioner.audit.rules import load_rules
from audit_fixtures import FIXTURES, load_fixture

RULES = load_rules()


def _fixture(rule_id: str, kind: str):
    folder = FIXTURES / rule_id
    matches = sorted(folder.glob(f"{kind}.json")) + sorted(folder.glob(f"{kind}.plan.json"))
    assert matches, f"{rule_id} has no {kind} fixture in {folder}"
    return matches[0]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_passes_its_passing_fixture(rule):
    # GIVEN the rule's passing fixture
    config, _ = load_fixture(_fixture(rule.id, "pass"))
    # WHEN only this rule runs on it
    result = run_pack(config, [rule])
    # THEN it finds nothing, and it really evaluated something (not only "not applicable")
    assert [f"{f.address}: {f.message}" for f in result.findings] == []
    assert result.stats[rule.id].passed >= 1


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_fails_its_failing_fixture(rule):
    # GIVEN the rule's failing fixture and the resources it is expected to flag
    config, expect = load_fixture(_fixture(rule.id, "fail"))
    # WHEN only this rule runs on it
    result = run_pack(config, [rule])
    # THEN exactly the expected resources fail, each with a message and the rule's level
    assert sorted({f.address for f in result.findings}) == sorted(expect["fail"])
    assert all(f.message and f.level == rule.level and f.rule_id == rule.id for f in result.findings)


def test_pack_has_at_least_twenty_rules_with_complete_metadata():
    # GIVEN the loaded pack
    # WHEN its metadata is inspected
    # THEN there are at least 20 rules, ids are unique, and each says what, why and how to fix
    assert len(RULES) >= 20
    assert len({r.id for r in RULES}) == len(RULES)
    for rule in RULES:
        assert rule.title and len(rule.why) > 40 and rule.fix and rule.resource_types, rule.id
        assert rule.level in ("error", "warning")


def test_every_rule_lives_in_its_own_file():
    # GIVEN the rules' modules
    modules = [r.module for r in RULES]
    # THEN no two rules share a module, and each module is named after its rule id
    assert len(set(modules)) == len(modules)
    for rule in RULES:
        assert rule.module.rsplit(".", 1)[-1].startswith("prov_" + rule.id.split("-")[1] + "_")
