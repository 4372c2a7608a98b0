"""One module per capability with its cross-parameter checks (see capability_checks.py)."""
