"""Operations over an org's whole fleet of workspaces and the repository that holds them.

`selection.py` picks workspaces by change since a git ref or by expiry; `waves.py` moves workspaces to a
new blueprint version in waves (canary, N%, all); `ci.py` writes the CI workflow that fans `provision`
out over changed workspaces; `scaffold.py` writes a new org repository (`provision init`), workflow
included. Running the plans themselves is the engine's (`provisioner/engine/fleet.py`).
"""
