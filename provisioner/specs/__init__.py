"""Loading, checking and resolving workspace specs: from `workspaces/NAME.yaml` to a `WorkspaceContext`.

`workspaces.py` loads a spec and resolves it against the org config and the blueprint catalog;
`parameters.py` checks each value against the blueprint's schema and the org guardrails; `checks/` holds
the checks that span several values, one module per capability (a new check goes there, registered with
`@check("capability")`); `model_sources.py` resolves where each endpoint variant's model comes from
(`latest-approved` against the registry). Everything `provision validate` reports is found here, so that
`validate` and `synth` agree.
"""
