"""The CDK layer: what gets built. Only `workspace_stack` and below import cdktn."""
