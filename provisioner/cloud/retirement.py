"""`provision retire`: unused POCs deleted after a notice period, through a plan people review.

    plan = make_plan(org, "dev", ["pricing-poc-endpoint"], aws=aws, prices=prices, today=day, notice_days=14)
    give_notice(plan, aws)              # tags each resource, tells the owners on the org's alert topic
    save(plan, folder)                  # .provision/retire/<plan id>.json: what the apply will do, reviewable
    outcome = apply_plan(plan, aws, today=later, prices=prices)

The plan names each chosen orphan or untagged ML resource (as the inventory finds and attributes it:
provisioner/cloud/attribution.py) with its creator, monthly cost and last use. It tags each with
`provision:retire-after` (the day the notice ends) and `provision:retire-notified` (who was told), and
publishes one notice to the environment's `alert_topic_arn`. Nothing is deleted then.

The apply deletes only after the notice ends (before: exit 3, nothing touched), and only what is still
unused: a resource used since the plan (a newer last use than the plan recorded), claimed since (adopted
or tagged for a workspace with a spec), or gone is kept and said so. Data-holding resources (buckets,
registries, image repositories) are listed apart and never deleted unless the plan was made with
`include_data`; they are then emptied (provisioner/cloud/emptying.py) and deleted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provisioner.cloud.attribution import Attribution, Finding, attribute
from provisioner.cloud.resources import TAG_WORKSPACE, LiveResource
from provisioner.errors import InvalidInput, OperationFailed, PolicyBlocked, Problem

if TYPE_CHECKING:
    from provisioner.audit.cost import PriceTable
    from provisioner.cloud.aws import Aws
    from provisioner.models.org import Org

TAG_RETIRE_AFTER = "provision:retire-after"
TAG_RETIRE_NOTIFIED = "provision:retire-notified"
PLANS_DIR = "retire"  # under the org's .provision/
# What retire can delete. Training jobs cannot be deleted (AWS keeps their record): they are not retirable.
RETIRABLE = ("sagemaker:endpoint", "sagemaker:model", "sagemaker:model-package-group", "s3:bucket", "ecr:repository")


@dataclass
class Item:
    arn: str
    type: str
    name: str
    region: str
    creator: str | None
    workspace: str | None
    monthly_usd: float | None
    last_used: str | None  # ISO 8601, as the plan saw it
    holds_data: bool
    outcome: str = ""  # after the apply: deleted, kept: <why>

    @classmethod
    def of(cls, row: Attribution) -> "Item":
        data = row.to_dict()
        return cls(row.arn, row.type, row.name, row.region, row.creator, row.workspace, data["monthly_usd"],
                   data["last_used"], row.holds_data)


@dataclass
class RetirePlan:
    id: str
    environment: str
    account_id: str
    made_on: str  # ISO date
    notice_until: str  # ISO date: the apply deletes nothing before it
    topic: str
    include_data: bool
    items: list[Item] = field(default_factory=list)  # deleted by the apply if still unused
    kept_data: list[Item] = field(default_factory=list)  # data-holding, chosen but not deleted (no include_data)
    notified: list[str] = field(default_factory=list)
    applied_on: str | None = None

    @property
    def notice_end(self) -> dt.date:
        return dt.date.fromisoformat(self.notice_until)

    @property
    def monthly_usd(self) -> float:
        return round(sum(item.monthly_usd or 0.0 for item in self.items), 2)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "monthly_usd": self.monthly_usd}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RetirePlan":
        fields = {k: v for k, v in data.items() if k not in ("items", "kept_data", "monthly_usd")}
        return cls(**fields, items=[Item(**i) for i in data.get("items", [])],
                   kept_data=[Item(**i) for i in data.get("kept_data", [])])


def make_plan(org: "Org", environment: str, chosen: list[str], *, aws: "Aws", prices: "PriceTable",
              today: dt.date, notice_days: int = 14, include_data: bool = False,
              since_days: int = 30) -> RetirePlan:
    """A plan for the chosen resources (names or ARNs of the inventory's findings); every problem at once."""
    from provisioner.cloud.inventory import take_inventory

    file = org.path.name
    env = org.config.environments.get(environment)
    if env is None:
        raise InvalidInput([org.unknown_environment(environment, "<command line>", "--env")])
    if not env.alert_topic_arn:
        raise InvalidInput.single(file, f"environments.{environment}.alert_topic_arn", "is not set: retire tells "
                                  "the owners of what it will delete through it",
                                  "set it to the platform team's SNS topic in that account")
    if not chosen:
        raise InvalidInput.single("<command line>", "NAMES", "choose what to retire",
                                  "give the names (or ARNs) `provision inventory` lists as orphans or untagged")
    report = take_inventory(org, [environment], aws=aws, today=today, attribute=True, prices=prices,
                            since_days=since_days)
    found = {row.name: row for row in report.attributions} | {row.arn: row for row in report.attributions}
    problems, rows = [], []
    for name in dict.fromkeys(chosen):
        row = found.get(name)
        if row is None:
            problems.append(Problem("<command line>", "NAMES", f"{name!r} is not an orphan or untagged ML resource "
                                    f"of {environment}", "pick one `provision inventory --env "
                                    f"{environment}` lists under orphans or untagged"))
        elif row.type not in RETIRABLE:
            problems.append(Problem("<command line>", "NAMES", f"{name!r} is a {row.type}, which retire cannot "
                                    "delete", f"retirable: {', '.join(RETIRABLE)}"))
        else:
            rows.append(row)
    if problems:
        raise InvalidInput(problems)
    items = [Item.of(row) for row in rows if not row.holds_data or include_data]
    kept = [Item.of(row) for row in rows if row.holds_data and not include_data]
    digest = hashlib.sha256("\n".join(sorted(i.arn for i in items + kept)).encode()).hexdigest()[:8]
    notified = sorted({row.creator for row in rows if row.creator})
    return RetirePlan(f"{environment}-{today:%Y%m%d}-{digest}", environment, report.account_id, today.isoformat(),
                      (today + dt.timedelta(days=notice_days)).isoformat(), env.alert_topic_arn, include_data,
                      items, kept, notified)


def give_notice(plan: RetirePlan, aws: "Aws") -> None:
    """Tag what the plan deletes with the notice's end and who was told; one notice on the alert topic."""
    from provisioner.cloud.aws import aws_errors

    notified = ",".join(plan.notified) or "unknown"
    for item in plan.items:
        with aws_errors(f"tagging {item.arn} for retirement"):
            _tag(aws, item, {TAG_RETIRE_AFTER: plan.notice_until, TAG_RETIRE_NOTIFIED: notified[:256]})
    region = plan.topic.split(":")[3]
    with aws_errors(f"publishing the retire notice to {plan.topic}"):
        aws.client("sns", region).publish(TopicArn=plan.topic, Subject=notice_subject(plan)[:99],
                                          Message=notice_text(plan))


def notice_subject(plan: RetirePlan) -> str:
    return f"provision retire: {len(plan.items)} unused resource(s) in {plan.environment} deleted after {plan.notice_until}"


def notice_text(plan: RetirePlan) -> str:
    lines = [f"Retire plan {plan.id} (account {plan.account_id}, {plan.environment}): these resources nobody "
             f"claims will be deleted after {plan.notice_until}, unless they are used or claimed before.", ""]
    for item in plan.items:
        cost = "cost unknown" if item.monthly_usd is None else f"${item.monthly_usd:,.2f}/month"
        lines.append(f"- {item.type} {item.name}: created by {item.creator or 'unknown'}, {cost}, last used "
                     f"{item.last_used[:10] if item.last_used else 'never seen'}")
    if plan.kept_data:
        lines += ["", "Holding data, listed but not deleted:"]
        lines += [f"- {item.type} {item.name} (created by {item.creator or 'unknown'})" for item in plan.kept_data]
    lines += ["", "To keep one: use it, or bring it under a workspace (`provision adopt`). Questions: the "
              "platform team."]
    return "\n".join(lines)


def _tag(aws: "Aws", item: Item, tags: dict[str, str]) -> None:
    if item.type.startswith("sagemaker:"):
        aws.client("sagemaker", item.region).add_tags(
            ResourceArn=item.arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    elif item.type == "s3:bucket":
        s3 = aws.client("s3", item.region)
        try:
            current = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=item.name).get("TagSet", [])}
        except Exception as exc:  # noqa: BLE001 - NoSuchTagSet: a bucket without tags
            from provisioner.cloud.aws import error_code

            if error_code(exc) != "NoSuchTagSet":
                raise
            current = {}
        merged = {**current, **tags}
        s3.put_bucket_tagging(Bucket=item.name, Tagging={"TagSet": [{"Key": k, "Value": v}
                                                                     for k, v in merged.items()]})
    elif item.type == "ecr:repository":
        aws.client("ecr", item.region).tag_resource(
            resourceArn=item.arn, tags=[{"Key": k, "Value": v} for k, v in tags.items()])


def save(plan: RetirePlan, folder: Path) -> Path:
    from provisioner.ds import write_atomic

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{plan.id}.json"
    write_atomic(path, json.dumps(plan.to_dict(), indent=2) + "\n")
    return path


def load(folder: Path, plan_id: str) -> RetirePlan:
    path = folder / f"{plan_id}.json"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []
        raise InvalidInput.single("<command line>", "PLAN", f"no retire plan {plan_id!r}",
                                  f"plans made here: {', '.join(known)}" if known else
                                  "make one with `provision retire plan NAMES... --env ENV`")
    return RetirePlan.from_dict(json.loads(path.read_text(encoding="utf-8")))


def apply_plan(plan: RetirePlan, org: "Org", aws: "Aws", *, prices: "PriceTable", today: dt.date,
               since_days: int = 30, say: Any = None) -> RetirePlan:
    """Delete what the plan lists and is still unused, once the notice has ended; the plan with outcomes."""
    say = say or (lambda text: None)
    if plan.applied_on:
        raise InvalidInput.single("<command line>", "PLAN", f"retire plan {plan.id} was applied on {plan.applied_on}",
                                  "make a new plan for what is left")
    if today <= plan.notice_end:
        raise PolicyBlocked(f"retire plan {plan.id}: the notice period ends on {plan.notice_until}; nothing deleted",
                            f"apply it after {plan.notice_until}")
    claims = _claims(org, plan.environment)
    for item in plan.items:
        item.outcome = _retire_one(item, plan, aws, prices, today, since_days, claims, say)
    for item in plan.kept_data:
        item.outcome = "kept: holds data (the plan was made without --include-data)"
    plan.applied_on = today.isoformat()
    return plan


def _retire_one(item: Item, plan: RetirePlan, aws: "Aws", prices: "PriceTable", today: dt.date, since_days: int,
                claims: dict[str, set[str]], say: Any) -> str:
    from provisioner.cloud.aws import error_code

    [now] = attribute(aws, item.region, [Finding(LiveResource(item.arn), "planned", "retire plan")], prices,
                      today=today, since_days=since_days)
    if now.created is None and any("ValidationException" in n or "NotFound" in n or "does not exist" in n.lower()
                                   for n in now.notes):
        return "kept: already gone"
    owner = _workspace_tag(aws, item)
    if owner and owner in claims["workspaces"]:
        return f"kept: claimed by workspace {owner} since the plan"
    if item.name in claims["adopted"]:
        return "kept: adopted by a workspace since the plan"
    used = now.last_used.strftime("%Y-%m-%dT%H:%M:%SZ") if now.last_used else None
    if used and (item.last_used is None or used > item.last_used):
        return f"kept: used on {used[:10]}, during the notice period"
    try:
        _delete(aws, item, say)
    except Exception as exc:  # noqa: BLE001 - one failure does not stop the others; it is reported
        return f"failed: {error_code(exc) or type(exc).__name__}: {exc}"
    return "deleted"


def _claims(org: "Org", environment: str) -> dict[str, set[str]]:
    """The workspaces with a spec for ENVIRONMENT, and the resources their specs adopt: what is no longer unclaimed."""
    from provisioner.specs.workspaces import load_spec, workspace_files

    workspaces, adopted = set(), set()
    for path in workspace_files(org):
        try:
            spec = load_spec(path)
        except InvalidInput:
            continue  # a broken spec claims nothing it can prove
        if spec.environment == environment:
            workspaces.add(spec.name)
            adopted.update(spec.adopted.values())
    return {"workspaces": workspaces, "adopted": adopted}


def _workspace_tag(aws: "Aws", item: Item) -> str | None:
    try:
        if item.type.startswith("sagemaker:"):
            tags = aws.client("sagemaker", item.region).list_tags(ResourceArn=item.arn).get("Tags", [])
        elif item.type == "s3:bucket":
            tags = aws.client("s3", item.region).get_bucket_tagging(Bucket=item.name).get("TagSet", [])
        else:
            return None
    except Exception:  # noqa: BLE001 - no tags (or gone): nobody claims it
        return None
    return {t["Key"]: t["Value"] for t in tags}.get(TAG_WORKSPACE)


def _delete(aws: "Aws", item: Item, say: Any) -> None:
    from provisioner.cloud.emptying import Container, empty

    sagemaker = aws.client("sagemaker", item.region)
    if item.type == "sagemaker:endpoint":
        config = sagemaker.describe_endpoint(EndpointName=item.name)["EndpointConfigName"]
        sagemaker.delete_endpoint(EndpointName=item.name)
        sagemaker.delete_endpoint_config(EndpointConfigName=config)
    elif item.type == "sagemaker:model":
        sagemaker.delete_model(ModelName=item.name)
    elif item.type == "sagemaker:model-package-group":
        empty(aws, item.region, [Container(item.arn, "aws_sagemaker_model_package_group", item.name)], say)
        sagemaker.delete_model_package_group(ModelPackageGroupName=item.name)
    elif item.type == "s3:bucket":
        empty(aws, item.region, [Container(item.arn, "aws_s3_bucket", item.name)], say)
        aws.client("s3", item.region).delete_bucket(Bucket=item.name)
    elif item.type == "ecr:repository":
        aws.client("ecr", item.region).delete_repository(repositoryName=item.name, force=True)
    else:  # make_plan admits only RETIRABLE types
        raise OperationFailed(f"{item.type} cannot be retired", "")
