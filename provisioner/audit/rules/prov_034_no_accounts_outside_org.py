from __future__ import annotations

from provisioner.audit.rule import NOT_APPLICABLE, PASS, Fail, rule
from provisioner.audit.rules._common import EVERYONE, RESOURCE_POLICY_ATTRIBUTES, account_grants


@rule(
    id="PROV-034",
    title="Resource policies name no account outside the org's environments",
    why="""A key, bucket, image repository, model registry or role that trusts an AWS account the org does
    not know hands its data (or its permissions) to whoever runs that account; one open to everyone
    (`"Principal": "*"` in any of its forms) hands it to every AWS account. Cross-account grants exist
    only for model promotion between the org's own environments.""",
    fix="""Remove the statement, or add the account as an environment of provision.yaml (and to the
    `promotion` path, if models are to move there).""",
    level="error",
    resource_types=tuple(RESOURCE_POLICY_ATTRIBUTES),
    category="iam",
)
def check(resource, config):
    known = set(config.workspace.org_accounts) if config.workspace else set()
    if not known:
        return NOT_APPLICABLE  # the org's accounts are not known (a config audited on its own)
    grants = account_grants(resource, config)
    if isinstance(grants, str):
        return Fail(f"policy cannot be read: {grants}")
    public = sorted({label for label, _, account in grants if account == EVERYONE})
    if public:
        return Fail(f"open to everyone (Principal *, no condition naming the org's accounts): {', '.join(public)}")
    outside = sorted({f"{account} ({label})" for label, _, account in grants if account not in known})
    if outside:
        return Fail(f"allows accounts outside the org's environments: {', '.join(outside)}")
    return PASS if grants or resource.values.get(RESOURCE_POLICY_ATTRIBUTES[resource.type]) else NOT_APPLICABLE
