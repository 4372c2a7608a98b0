"""What capabilities share: the `WorkspaceParts` they build on, and the registration decorator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cdktn import TerraformStack

from infra.resource_names import WorkspaceNames
from infra.stack_build import output

if TYPE_CHECKING:
    from infra.constructs.alert_topic import AlertTopic
    from infra.constructs.customer_key import CustomerKey
    from infra.constructs.execution_role import ExecutionRole
    from infra.constructs.image_repository import ImageRepository
    from infra.constructs.log_group import LogGroup
    from infra.constructs.managed_policy import ManagedPolicy
    from infra.constructs.model_package_group import ModelPackageGroup
    from infra.constructs.secure_bucket import SecureBucket
    from provisioner.models.resolved import WorkspaceContext


@dataclass
class WorkspaceParts:
    """The workspace's shared building blocks, handed from one capability to the next.

    `foundation` always runs first and fills the fields marked below; later
    capabilities use them (pass the constructs, not ARNs) and may add their own
    parts in `extras` (e.g. `extras["endpoint"]`) for capabilities after them.
    Capabilities append human notes for the synth summary to `notes`.
    """

    scope: TerraformStack
    ctx: "WorkspaceContext"
    names: WorkspaceNames
    notes: list[str] = field(default_factory=list)
    # set by foundation
    key: "CustomerKey" = None  # type: ignore[assignment]
    access_logs: "SecureBucket" = None  # type: ignore[assignment]
    data: "SecureBucket" = None  # type: ignore[assignment]
    artifacts: "SecureBucket" = None  # type: ignore[assignment]
    role: "ExecutionRole" = None  # type: ignore[assignment]
    access: "ManagedPolicy" = None  # type: ignore[assignment]  # people's/CI's workspace access policy
    topic: "AlertTopic" = None  # type: ignore[assignment]
    log_group: "LogGroup" = None  # type: ignore[assignment]
    images: "ImageRepository" = None  # type: ignore[assignment]
    # set by registry
    model_group: "ModelPackageGroup | None" = None
    extras: dict[str, Any] = field(default_factory=dict)

    def output(self, id: str, value: Any, description: str) -> None:
        """A stack output. Output ids are an API (scripts read them): never rename one. No secrets."""
        output(self.scope, id, value, description)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def note_for_aws(self, text: str) -> None:
        """A note about what only AWS does (emails it sends, billing, instance hardware, VPC placement):
        left out for a local-cloud environment, where it is noise."""
        if not self.ctx.env.is_local:
            self.note(text)


Builder = Callable[[WorkspaceParts], None]
BUILDERS: dict[str, Builder] = {}


def capability(name: str) -> Callable[[Builder], Builder]:
    """Register `build(parts)` for a capability; one module per capability in infra/capabilities/."""

    def register(fn: Builder) -> Builder:
        if name in BUILDERS and BUILDERS[name] is not fn:
            raise ValueError(f"capability {name!r} registered twice")
        BUILDERS[name] = fn
        return fn

    return register
