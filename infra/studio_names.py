"""Names of a workspace's SageMaker Studio resources (pure Python, no cdktn).

The stack (`infra.capabilities.notebooks`) and the CLI (`provision open`) both
name user profiles through here, so the URL `provision open` asks for is for
the profile the stack created. Every name comes from `infra.naming.physical_name`.

A member's profile component is `<local part>-<hash>`: the local part of the
email address (lower-cased, anything but letters and digits turned into
hyphens, at most 20 characters) keeps the name readable in the Studio console;
six hex digits of the SHA-256 of the whole lower-cased address keep
`carol@a.com` and `carol@b.com` apart. The same address always gives the same
name, whatever its case. Changing this function renames (replaces) profiles:
tests/notebooks/test_names.py pins its output.
"""

from __future__ import annotations

import hashlib
import re

from infra.naming import physical_name

LOCAL_PART_CHARS = 20
EMAIL_HASH_CHARS = 6
SERVICE = "sagemaker"  # alphanumerics and hyphens, at most 63 characters


def member_component(email: str) -> str:
    address = email.strip().lower()
    local = address.partition("@")[0]
    readable = re.sub(r"[^a-z0-9]+", "-", local).strip("-")[:LOCAL_PART_CHARS].strip("-") or "member"
    digest = hashlib.sha256(address.encode()).hexdigest()[:EMAIL_HASH_CHARS]
    return f"{readable}-{digest}"


def member_profile_name(org: str, workspace: str, environment: str, email: str) -> str:
    """The Studio user profile name of one workspace member."""
    return physical_name(org, workspace, environment, member_component(email), SERVICE)


def shared_space_name(org: str, workspace: str, environment: str) -> str:
    """The team's shared space."""
    return physical_name(org, workspace, environment, "team", SERVICE)


def space_owner_profile_name(org: str, workspace: str, environment: str) -> str:
    """The profile owning the shared space (SageMaker requires an owner; see the notebooks capability)."""
    return physical_name(org, workspace, environment, "team-owner", SERVICE)


def image_name(org: str, workspace: str, environment: str) -> str:
    """The SageMaker image (and app image config) offering the workspace's ECR image in Studio."""
    return physical_name(org, workspace, environment, "notebook-image", SERVICE)

