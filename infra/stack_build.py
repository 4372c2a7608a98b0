"""How resources get into a workspace stack: addresses, tags, references and outputs, at few jsii calls.

Every call into a cdktn object is a round trip to the node process (~0.5 ms,
a resource create ~1-3 ms), and a fleet synth builds hundreds of stacks in
one process. So what can be decided in Python is decided here, once:

- `add_resource(scope, S3Bucket, "data", bucket=...)` creates the typed
  resource with the Terraform address `aws_s3_bucket.data` and the
  workspace's tags in its config (no `override_logical_id`, no tag pass, no
  aspect);
- `ref(resource, "arn")` is the Terraform reference `${aws_s3_bucket.data.arn}`
  as a plain string: inside one stack it synthesizes to exactly what the
  binding's `.arn` token resolves to, without asking node for a token;
- `output(scope, id, value, description)` collects stack outputs, written with
  one override at `finish(scope)`, which also writes every policy document
  once (see `infra.constructs._base.PolicyDocument`);
- every address is recorded with the capability that created it, written once
  at `finish` into the config's `"//"` comment block for the audit's inventory.

The L2 constructs in `infra.constructs` are plain Python objects built on
these functions, not jsii constructs: a construct scope costs a round trip and
would nest (and hash) its resources' logical ids.

`finish(scope)` must run once after everything is built; `WorkspaceStack` does it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

from cdktn import TerraformResource, TerraformStack
from constructs import Construct

from infra.tagging import TAGGABLE, TagRule

R = TypeVar("R", bound=TerraformResource)
_ADDRESS = "_provision_address"  # Python-side attribute of a resource: reading it costs no jsii call
_BUILD = "_provision_build"
# cdktn's logical-id scheme drops construct ids named "Default" from a resource's path, so a resource
# with construct id X under stack/Default/.../Default gets the logical id X, like one right in the stack.
_HIDDEN = "Default"
_LOGICAL_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_TYPES: dict[type, str] = {}
# Where cdk.tf.json records which capability created each address (`provisioner.audit.config` reads it).
CAPABILITIES_RECORD = "//.provision.capabilities"


class StackBuild:
    """Python-side state of one stack while it is built: tags, addresses in use, pending work, outputs."""

    def __init__(self, stack: TerraformStack) -> None:
        self.stack = stack
        self.tags: TagRule | None = None
        self.addresses: set[str] = set()
        self.resources: dict[str, Any] = {}  # address -> resource (for import blocks: infra/adoption.py)
        self.promised: set[str] = set()  # addresses handed out by `reference` before their resource exists
        self.capability: str | None = None  # the capability being built now (set by `build_capabilities`)
        self.capabilities: dict[str, str] = {}  # address -> the capability that created it
        self._uses: Counter[str] = Counter()  # logical id -> resources using it so far
        self._hidden: list[Construct] = []  # stack/Default, stack/Default/Default, ...
        self._at_finish: list[Callable[[], None]] = []
        self.outputs: dict[str, dict[str, Any]] = {}
        self.finished = False

    @classmethod
    def of(cls, scope: Any) -> StackBuild:
        stack = stack_of(scope)
        build = getattr(stack, _BUILD, None)
        if build is None:
            build = cls(stack)
            setattr(stack, _BUILD, build)
        return build

    def scope_for(self, logical_id: str) -> Construct:
        """A scope where `logical_id` is still free and resolves to itself (several resource types share ids)."""
        depth = self._uses[logical_id]
        self._uses[logical_id] += 1
        while len(self._hidden) < depth:
            parent = self._hidden[-1] if self._hidden else self.stack
            self._hidden.append(Construct(parent, _HIDDEN))
        return self.stack if depth == 0 else self._hidden[depth - 1]

    def at_finish(self, work: Callable[[], None]) -> None:
        """Run `work` at `finish`, on behalf of the capability being built now (its resources are filed under it)."""
        if self.finished:
            raise RuntimeError("the stack is already finished")
        capability = self.capability

        def on_behalf() -> None:
            before, self.capability = self.capability, capability
            try:
                work()
            finally:
                self.capability = before

        self._at_finish.append(on_behalf)


def stack_of(scope: Any) -> TerraformStack:
    """The stack behind a scope: the stack itself, or the stack an L2 construct was built in."""
    return getattr(scope, "stack", scope)


def terraform_type(cls: type) -> str:
    if cls not in _TYPES:
        _TYPES[cls] = cls.TF_RESOURCE_TYPE  # type: ignore[attr-defined]  # a jsii static: read once per class
    return _TYPES[cls]


def is_taggable(cls: type) -> bool:
    """Whether a binding's Terraform type takes tags (`infra.tagging.TAGGABLE`)."""
    return terraform_type(cls) in TAGGABLE


def add_resource(scope: Any, cls: type[R], logical_id: str, **config: Any) -> R:
    """Create a typed resource at Terraform address `<type>.<logical_id>`, tagged with the workspace's tags.

    `tags` in `config` are the resource's own; the workspace's standard tags win over them.
    """
    build = StackBuild.of(scope)
    if not _LOGICAL_ID.fullmatch(logical_id) or logical_id == _HIDDEN:
        raise ValueError(f"{logical_id!r} is not a usable Terraform name (letters, digits, _ and -)")
    address = f"{terraform_type(cls)}.{logical_id}"
    if address in build.addresses:
        raise ValueError(f"{address} is defined twice in stack {build.stack.node.id}")
    if build.tags is not None and is_taggable(cls):
        config["tags"] = build.tags.tags_for(config.get("tags") or {})
    resource = cls(build.scope_for(logical_id), logical_id, **config)
    build.addresses.add(address)
    build.resources[address] = resource
    if build.capability is not None:
        build.capabilities[address] = build.capability
    setattr(resource, _ADDRESS, address)
    return resource


def address_of(resource: TerraformResource) -> str:
    """`<type>.<logical_id>` of a resource created with `add_resource`."""
    return getattr(resource, _ADDRESS)


def ref(resource: TerraformResource, attribute: str) -> str:
    """A reference to an attribute of a resource created with `add_resource` (`${aws_kms_key.key.arn}`)."""
    return "${" + address_of(resource) + "." + attribute + "}"


def reference(scope: Any, cls: type, logical_id: str, attribute: str) -> str:
    """A reference to an attribute of a resource that `add_resource` creates later (at `finish`).

    The address is remembered: `finish` fails if it was never created (a reference that would dangle).
    """
    address = f"{terraform_type(cls)}.{logical_id}"
    StackBuild.of(scope).promised.add(address)
    return "${" + address + "." + attribute + "}"


def output(scope: Any, id: str, value: Any, description: str) -> None:
    """A stack output. Output ids are an API (scripts read them): never rename one. No secrets."""
    build = StackBuild.of(scope)
    if id in build.outputs:
        raise ValueError(f"output {id!r} is defined twice")
    build.outputs[id] = {"value": value, "description": description}


def finish(scope: Any) -> None:
    """Run the work deferred to the end of the build (policy documents), check that every promised
    reference was kept, then write the outputs."""
    build = StackBuild.of(scope)
    if build.finished:
        raise RuntimeError("the stack is already finished")
    while build._at_finish:  # finishing work may defer more work (a policy creating its resource)
        build._at_finish.pop(0)()
    dangling = sorted(build.promised - build.addresses)
    if dangling:
        raise ValueError(f"stack {build.stack.node.id}: {', '.join(dangling)} referenced but never created "
                         "(an empty managed policy writes no resource, for example)")
    build.finished = True
    if build.outputs:
        build.stack.add_override("output", dict(build.outputs))
    if build.capabilities:
        # A comment block for Terraform ("//"), read by the audit to file each resource under its capability.
        build.stack.add_override(CAPABILITIES_RECORD, dict(sorted(build.capabilities.items())))
