"""The auditor's view of a workspace: policy rules, checkov, cost, IAM summary, reports.

Data flows one way: synthesized Terraform JSON (and a saved plan, when there
is one) -> `Config` -> rule pack + checkov -> `AuditReport` -> renderers.
Importing this package is cheap on purpose (no boto3, cdktn or jinja): an
audit of a workspace whose synth is cached must take well under a second.
"""
