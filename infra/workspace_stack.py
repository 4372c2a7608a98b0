"""One TerraformStack per workspace: provider, backend, capabilities, tags.

The stack id is the workspace name, so its output lands in
`<out>/stacks/<workspace>/cdk.tf.json` with one Terraform state per workspace.
"""

from __future__ import annotations

from cdktn import (
    CloudBackend,
    LocalBackend,
    NamedCloudWorkspace,
    S3Backend,
    S3BackendAssumeRoleConfig,
    S3BackendEndpointConfig,
    TerraformStack,
    TerraformVariable,
    TerraformVariableValidationConfig,
)
from cdktn_provider_aws.provider import AwsProvider, AwsProviderAssumeRole
from constructs import Construct

from infra import local_cloud
from infra.adoption import import_adopted
from infra.capabilities import WorkspaceParts, build_capabilities
from infra.boundary import boundary_arn
from infra.resource_names import WorkspaceNames, partition_for
from infra.stack_build import StackBuild, finish
from infra.tagging import TagRule
from provisioner.models.resolved import WorkspaceContext


class WorkspaceStack(TerraformStack):
    """Everything one workspace's blueprint asks for, in one Terraform configuration.

    Args:
      scope: the cdktn App (one App holds every workspace of a run).
      ctx: the resolved workspace.
      local_state_path: required for environments with `backend: local`; the
        state file path, relative to the stack's output folder and outside it
        (synth replaces that folder on every run).

    Attributes:
      notes: human notes for the synth summary ("confirm the alert email", ...).
      parts: the shared WorkspaceParts the capabilities built.
    """

    def __init__(self, scope: Construct, ctx: WorkspaceContext, *, local_state_path: str | None = None) -> None:
        super().__init__(scope, ctx.name)
        self.ctx = ctx
        self.names = WorkspaceNames.of(ctx)
        self.notes: list[str] = []
        # Every role the workspace creates carries the org's boundary when a deploy role builds it: the deploy
        # role may create org roles only with it (infra/boundary.py, provisioner/cloud/deploy_role.py).
        self.role_boundary = (boundary_arn(ctx.org, ctx.account_id, partition_for(ctx.region))
                              if ctx.env.deploy_role_arn else None)
        # Every taggable resource is created with them.
        StackBuild.of(self).tags = TagRule(ctx.standard_tags, ctx.extra_tags)
        self._provider()
        self._backend(local_state_path)
        self.parts = WorkspaceParts(scope=self, ctx=ctx, names=self.names, notes=self.notes)
        build_capabilities(self.parts)
        import_adopted(self, ctx.adopted)  # existing resources this workspace took over (`provision adopt`)
        self._access_policy_outputs()
        finish(self)  # policy documents and outputs are written once, now that every grant has arrived

    def _access_policy_outputs(self) -> None:
        """Every part of the access policy, known only once all capabilities added their statements."""
        arns = self.parts.access.arns
        self.parts.output("access_policy_arns", arns,
                          "Every managed policy of the workspace access policy; attach all of them")
        if len(arns) > 1:
            self.parts.note(f"the workspace access policy is split into {len(arns)} managed policies "
                            "(IAM limits one to 6,144 characters): attach every ARN in access_policy_arns")

    def _provider(self) -> None:
        """AWS for a real environment (its account only, as its deploy role); the sandbox for a local cloud (infra.local_cloud)."""
        if not self.ctx.env.is_local:
            role = self._deploy_role()
            AwsProvider(self, "aws", region=self.ctx.region, allowed_account_ids=[self.ctx.account_id],
                        assume_role=[AwsProviderAssumeRole(**role)] if role else None)
            return
        endpoint = TerraformVariable(
            self, local_cloud.ENDPOINT_VARIABLE, type="string", nullable=False,
            description="The local cloud's endpoint (http://127.0.0.1:PORT); provision sets it from the running "
                        "sandbox (`provision sandbox start`)",
            validation=[TerraformVariableValidationConfig(
                condition=local_cloud.ENDPOINT_CONDITION,
                error_message="The local cloud's endpoint must be on this machine (http://127.0.0.1:PORT).",
            )],
        )
        AwsProvider(self, "aws", region=self.ctx.region, **local_cloud.provider_settings(endpoint.string_value))

    def _deploy_role(self) -> dict[str, str]:
        """The environment's deploy role for the provider and the S3 backend, if it has one.

        The session name is the environment's `session_name`, else `provision-<workspace>`: the synthesized
        file must not depend on who synthesized it (the synth cache and reviews compare it).
        """
        from infra.credentials import ambient

        env = self.ctx.env
        if not env.deploy_role_arn or ambient():  # a CI job already acts as its role (infra/credentials.py)
            return {}
        role = {"role_arn": env.deploy_role_arn, "session_name": env.session_name or f"provision-{self.ctx.name}"[:64]}
        if env.external_id:
            role["external_id"] = env.external_id
        return role

    def _backend(self, local_state_path: str | None) -> None:
        state = self.ctx.env.state
        if state.backend == "local":
            if not local_state_path:
                raise ValueError(f"workspace {self.ctx.name}: a local backend needs local_state_path "
                                 "(outside the synth output, which is replaced on every synth)")
            LocalBackend(self, path=local_state_path)
            if self.ctx.env.is_local:  # one note for both: a local cloud's state is always local
                self.notes.append("local cloud: every AWS call goes to the sandbox (`provision sandbox start`), whose "
                                  "resources live in memory and are lost when it stops; the Terraform state stays "
                                  f"in a local file ({local_state_path}), which outlives it")
            else:
                self.notes.append(f"state is local ({local_state_path}): for trials only, nobody else can see or "
                                  "lock it")
            return
        if state.backend == "remote":
            # HCP Terraform / Terraform Enterprise; the token comes from `terraform login` or
            # TF_TOKEN_<host>, never from the configuration.
            assert state.organization is not None  # the org model requires it for remote
            CloudBackend(
                self,
                organization=state.organization,
                hostname=state.hostname,
                workspaces=NamedCloudWorkspace(state.remote_workspace(self.ctx.org, self.ctx.name, self.ctx.environment)),
            )
            return
        assert state.bucket is not None  # the org model requires it for s3
        endpoint: dict = {}
        if state.endpoint:
            # An S3-compatible store or emulator: no AWS account or region to validate against.
            endpoint = dict(
                endpoints=S3BackendEndpointConfig(s3=state.endpoint),
                use_path_style=True,
                skip_credentials_validation=True,
                skip_requesting_account_id=True,
                skip_region_validation=True,
                skip_metadata_api_check=True,
            )
        S3Backend(
            self,
            bucket=state.bucket,
            key=self.ctx.state_key,
            region=state.region or self.ctx.region,
            encrypt=True,
            use_lockfile=True,
            # The state bucket lives in the environment's account: the backend assumes its deploy role too.
            **({"assume_role": S3BackendAssumeRoleConfig(**self._deploy_role())} if self._deploy_role() else {}),
            **endpoint,
        )
