"""L2 constructs: one resource "intent" each, with safe defaults and grant methods.

Conventions (shared with the capability layer and the other helpers):

- Signature `Thing(scope, id, *, props)`; every optional prop documents its
  default *behaviour*. Constructs never print or read files.
- Pass constructs, not ARNs: `bucket.grant_read_write(role)` also grants the
  bucket's KMS key. A "grantee" is anything with `add_to_policy(*statements)`
  (`ExecutionRole`, `ManagedPolicy`).
- Constructs are plain Python (`_base.L2`), not jsii constructs: they create
  their resources in the stack with `infra.stack_build.add_resource`, which
  also tags them, and refer to attributes with `ref(resource, "arn")` (each
  jsii call is a round trip to node; see docs/performance.md).
- Terraform addresses are an API: a construct names its resources after its
  own `id` (`aws_s3_bucket.data`, `aws_s3_bucket_policy.data`), so construct
  ids must be unique per stack and never change (renames go through cdktn's
  `move_to`). `add_resource` refuses an address defined twice.
- Policies grow with grants and are written once, when the stack is finished.
- Protection: stateful resources (buckets, keys, image repositories, the
  model registry) are synthesized with `lifecycle { prevent_destroy = true }`
  (`_base.protect()`). The lifecycle commands find them with
  `provisioner.engine.protection.protected_addresses(config)` on a synthesized
  cdk.tf.json instead of guessing.

This module is pure Python and cheap to import (CLI code may use it); import the
constructs from their own modules, for example
`from infra.constructs.secure_bucket import SecureBucket`.
"""

from __future__ import annotations
