"""The blueprint catalog and what people read about it.

`loader.py` finds blueprints and their versions (shipped with the tool and from the org's
`blueprint_paths`) and keeps the release lock of shipped versions; `summary.py` is a blueprint as people
read it (shared by `provision blueprints show` and the generated READMEs); `docs.py` writes each shipped
blueprint's README and `reference.py` the org config, blueprint and workspace spec references under
`docs/reference/`, both from the models' own metadata.
"""
