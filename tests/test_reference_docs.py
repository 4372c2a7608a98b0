"""The reference pages in docs/reference are generated from the models and must be current."""

from pathlib import Path

from provisioner.catalog.reference import DOCS, generate

ROOT = Path(__file__).resolve().parent.parent


def test_reference_docs_are_up_to_date():
    # GIVEN the models as they are now
    # WHEN the reference is generated
    pages = generate()
    # THEN the committed pages equal it (run `python -m provisioner.catalog.reference` to refresh)
    for name, text in pages.items():
        assert (ROOT / DOCS / name).read_text() == text, f"docs/reference/{name} is stale"
