"""What `provision bootstrap` puts into an empty local cloud so that every blueprint can run on it.

On AWS a few things a workspace uses exist before provision does: the platform team's SageMaker Studio
domain (the `notebooks` capability adds profiles and spaces to it, it never creates one). A local cloud
starts empty on every `sandbox start`, so bootstrap of a `cloud: local` environment creates the domain
its `studio.domain_id` names, in the emulator's default VPC, with an execution role of its own.
Real environments never come here.
"""

from __future__ import annotations

import json
from typing import Any

from provisioner.errors import InvalidInput, OperationFailed

STUDIO_ROLE = "provision-local-studio"
_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def ensure_studio_domain(aws: Any, region: str, domain_id: str, *, file: str) -> tuple[str, str]:
    """(action, detail): the Studio domain `domain_id` exists in the local cloud afterwards."""
    if not aws.is_local:
        raise AssertionError("ensure_studio_domain runs only against the local cloud")
    sagemaker = aws.client("sagemaker", region)
    known = {d["DomainId"] for d in sagemaker.list_domains().get("Domains", [])}
    if domain_id in known:
        return "unchanged", f"Studio domain {domain_id}"
    # The emulator names a domain `d-<DomainName>`: the name is the id the org config gives, without `d-`.
    name = domain_id.removeprefix("d-")
    if not domain_id.startswith("d-") or not name.isalnum():
        raise InvalidInput.single(file, "studio.domain_id", f"{domain_id!r} is not a Studio domain id the local cloud "
                                  "can create", "use `d-` followed by letters and digits, for example d-sandbox01")
    vpc_id, subnet_ids = _default_network(aws, region)
    created = sagemaker.create_domain(
        DomainName=name, AuthMode="IAM", VpcId=vpc_id, SubnetIds=subnet_ids,
        DefaultUserSettings={"ExecutionRole": _studio_role(aws, region)},
        Tags=[{"Key": "provision:purpose", "Value": "local-cloud-studio-domain"}])
    got = created["DomainArn"].rsplit("/", 1)[-1]
    if got != domain_id:
        raise OperationFailed(f"the local cloud created Studio domain {got}, not {domain_id}: its emulator names "
                              "domains differently than provision expects", "report this with `provision --version`")
    return "created", f"Studio domain {domain_id} (VPC {vpc_id})"


def _default_network(aws: Any, region: str) -> tuple[str, list[str]]:
    ec2 = aws.client("ec2", region)
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]
    if not vpcs:
        raise OperationFailed(f"the local cloud has no default VPC in {region} for the Studio domain",
                              "restart it: provision sandbox stop && provision sandbox start")
    vpc_id = vpcs[0]["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    return vpc_id, sorted(s["SubnetId"] for s in subnets)[:2]


def _studio_role(aws: Any, region: str) -> str:
    iam = aws.client("iam", region)
    try:
        return iam.get_role(RoleName=STUDIO_ROLE)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        return iam.create_role(RoleName=STUDIO_ROLE, AssumeRolePolicyDocument=json.dumps(_TRUST),
                               Description="Default execution role of the local cloud's Studio domain")["Role"]["Arn"]
