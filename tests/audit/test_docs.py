"""docs/rules.md is generated from the rules' metadata and must be current."""

from __future__ import annotations

from pathlib import Path

from provisioner.audit.docs import render_rules_md
from provisioner.audit.rules import load_rules

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_committed_rules_reference_is_up_to_date():
    # GIVEN the committed docs/rules.md
    committed = (DOCS / "rules.md").read_text()
    # WHEN it is generated again from the rules
    # THEN nothing differs (regenerate with `python -m provisioner.audit.docs > docs/rules.md`)
    assert committed == render_rules_md()


def test_every_rule_has_a_section_in_the_reference():
    # GIVEN the generated reference
    text = render_rules_md()
    # THEN each rule has its own heading with its why and fix
    for rule in load_rules():
        assert f"## {rule.id}\n" in text and rule.why in text and rule.fix in text


def test_auditor_guide_documents_every_json_report_field():
    # GIVEN the auditor's guide
    guide = (DOCS / "auditor-guide.md").read_text()
    # THEN every top-level field of the JSON report is documented there
    for key in ("schema", "tool", "workspace", "sources", "summary", "inventory", "iam", "coverage", "cost",
                "findings", "suppressions", "checkov", "changes", "rules"):
        assert f"`{key}`" in guide, key
