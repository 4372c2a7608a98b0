"""Synthesis: from resolved workspaces to Terraform JSON, and from there to the stacks the engine runs.

`synth.py` builds every workspace of a run in one cdktn App (worker processes for a large fleet) and
reuses a stack whose inputs did not change; its cache key includes the CDK layer's source, which
`code_closure.py` reads without importing it (importing would start jsii). `stacks.py` hands synthesized
stacks to the engine with the environment each one runs in.
"""
