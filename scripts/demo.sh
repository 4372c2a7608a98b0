#!/usr/bin/env bash
# The demo: the whole product on the local cloud (no AWS account), on a scratch copy of the example
# org (examples/acme) so that the repository stays clean. Every step is a real `provision` command;
# any failing step fails the demo. The trap stops the local cloud whatever happens: nothing is left running.
#
# Plan, apply, train and destroy need Terraform's AWS provider. It is used when one is found (a filesystem
# mirror in PROVISION_PROVIDER_MIRROR, or the build `make aws-provider` puts in the user cache); without
# it the demo says so in one line and goes on with every other step.
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_EC2_METADATA_DISABLED=true  # no instance metadata service here: do not wait for one
export PROVISION_OFFLINE=1             # Terraform never reaches for a registry: providers come from a mirror or nowhere
ROOT=$PWD
DEMO=${PROVISION_DEMO_DIR:-$ROOT/.build/demo}
PROVISION=${PROVISION_BIN:-$ROOT/.venv/bin/provision}
rm -rf "$DEMO" && mkdir -p "$DEMO" && cp -r examples/acme "$DEMO/acme"
cd "$DEMO/acme"
rm -rf .provision cdktf.out
provision() { "$PROVISION" "$@"; }
step() { printf '\n\033[1m$ provision %s\033[0m\n# %s\n' "$1" "$2"; }
skip() { printf '\n\033[2m(skipped: %s)\033[0m\n' "$*"; }

stop_sandbox() {
  local pid
  for pid in $(jobs -p); do kill "$pid" 2>/dev/null || true; done  # steps still running side by side
  wait 2>/dev/null || true
  "$PROVISION" sandbox stop >/dev/null 2>&1 || true
}
trap stop_sandbox EXIT

# Steps of different workspaces run side by side (most of an apply is the provider waiting); each one's
# output is shown whole, in order, once all are done. `together` fails if any of them failed.
together() {
  local entry pid name failed=0
  for entry in "$@"; do
    name=${entry%%=*}
    ( eval "${entry#*=}" ) > "$DEMO/$name.out" 2>&1 &
    PIDS+=("$!:$name")
  done
  for entry in "${PIDS[@]}"; do
    pid=${entry%%:*}; name=${entry#*:}
    wait "$pid" || failed=1
    cat "$DEMO/$name.out"
  done
  PIDS=()
  return "$failed"
}
PIDS=()

aws_provider_build() {
  # The AWS provider build in the user cache (`make aws-provider`): the version the configs pin, else the
  # newest development build, which PROVISION_AWS_PROVIDER=cache pins over the bindings' version.
  "$ROOT/.venv/bin/python" -c '
from provisioner.engine import aws_provider
exact = aws_provider.find_build(aws_provider.required_version())
builds = aws_provider.cached_builds()
if exact: print("auto", exact.version)
elif builds: print("cache", builds[0].version)'
}

step "sandbox start" "the local cloud: AWS on 127.0.0.1 (moto plus provision's extensions); its state is in memory, lost on stop"
provision sandbox start

step "bootstrap sandbox" "no state bucket on a local cloud (state stays in local files that outlive it); it gets the Studio domain the org names"
provision bootstrap sandbox

step "blueprints list" "the catalog the platform team offers"
provision blueprints list

step "request vision-lab --blueprint full-mlops --env sandbox ... --set serving.model_package=latest-approved" \
  "a data scientist asks for a workspace that trains, registers and serves its newest approved model"
provision request vision-lab --blueprint full-mlops --env sandbox --owner carol@example.com --team vision \
  --tag cost-center=cc-4242 --set 'training.instance_types=[ml.g4dn.xlarge]' --set serving.model_package=latest-approved \
  --set 'serving.variants=[{name: primary, instance_type: ml.m5.large, initial_instance_count: 1, weight: 1, min_instances: 1, max_instances: 2}]'

step "request studio-lab --blueprint notebook-lab@1.0.0 --env sandbox --member ..." \
  "notebooks: a Studio profile per member and a shared team space, in the domain the org names"
provision request studio-lab --blueprint notebook-lab@1.0.0 --env sandbox --owner carol@example.com --team vision \
  --tag cost-center=cc-4242 --member carol@example.com --member dave@example.com

step "request too-big ... --set training.instance_types=[ml.p5.48xlarge]" "the guardrails refuse what the org does not allow"
if provision request too-big --blueprint gpu-training@1.0.0 --env sandbox --owner carol@example.com --team vision \
  --tag cost-center=cc-4242 --set 'training.instance_types=[ml.p5.48xlarge]'; then
  echo "expected the guardrails to refuse this request" >&2; exit 1
else
  echo "(exit $? = invalid input, nothing written)"
fi

step validate "every spec against the org config, its blueprint and the guardrails"
provision validate

step "synth --all" "Terraform JSON for every workspace: one stack, one state each"
provision synth --all
echo
for stack in cdktf.out/stacks/*/; do
  count=$("$ROOT/.venv/bin/python" -c 'import json,sys; c=json.load(open(sys.argv[1])); print(sum(len(v) for v in c.get("resource",{}).values()))' "$stack/cdk.tf.json")
  printf '  %-16s %3s resources  %s\n' "$(basename "$stack")" "$count" "${stack}cdk.tf.json"
done

step "audit sandbox-serving" "what the auditor sees: findings, IAM, encryption, and what the endpoint, its autoscaling and monitoring cost"
provision audit sandbox-serving | sed -n '1,12p'
provision audit sandbox-serving --format md --out review.md && echo "(review.md: $(wc -c < review.md) characters, fits a PR comment)"

VERSION=$("$ROOT/.venv/bin/python" -c 'import json; print(json.load(open("cdktf.out/stacks/sandbox-serving/cdk.tf.json"))["terraform"]["required_providers"]["aws"]["version"])')
read -r CHOICE BUILT <<<"$(aws_provider_build)" || true
if [ -n "${PROVISION_PROVIDER_MIRROR:-}" ] && compgen -G "$PROVISION_PROVIDER_MIRROR/registry.terraform.io/hashicorp/aws/$VERSION/*/terraform-provider-aws_v$VERSION*" >/dev/null; then
  APPLIED=1
elif [ -n "${CHOICE:-}" ]; then
  export PROVISION_AWS_PROVIDER=$CHOICE
  APPLIED=1
  if [ "$CHOICE" = cache ]; then
    printf '\n\033[1mnote:\033[0m using the AWS provider %s built from source (make aws-provider), pinned over the configs'"'"' %s\n' "$BUILT" "$VERSION"
  fi
else
  APPLIED=
  printf '\n\033[1mnote:\033[0m no AWS provider %s on this machine (make aws-provider builds it): plan, apply, train and destroy are skipped; every other step runs\n' "$VERSION"
fi

if [ -n "$APPLIED" ]; then
  step "plan sandbox-serving && apply sandbox-serving" "Terraform's real AWS provider creates the workspace on the local cloud"
  echo "# (with vision-lab and studio-lab below, side by side; each one's output follows when all are done)"
  step "plan vision-lab && apply vision-lab" "the data scientist's workspace: roles, buckets, registry (no endpoint yet: no approved model)"
  step "plan studio-lab && apply studio-lab && open studio-lab --member carol@example.com" \
    "the members' Studio profiles and the team space; open prints a member's sign-in URL"
  together "sandbox-serving=provision plan sandbox-serving && provision apply sandbox-serving --yes" \
           "vision-lab=provision plan vision-lab && provision apply vision-lab --yes" \
           "studio-lab=provision plan studio-lab && provision apply studio-lab --yes && provision open studio-lab --member carol@example.com"
else
  skip "plan and apply: no AWS provider"
fi

step "env vision-lab" "the SageMaker SDK defaults of the workspace, and the exports that point the SDK at the local cloud"
provision env vision-lab | sed -n '1,8p'

IMAGE=123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme-vision-lab-sandbox-images:1
if [ -n "$APPLIED" ]; then
  step "train vision-lab --image ...:1 --register" "a training job inside the guardrails, its model registered for review"
  provision train vision-lab --image "$IMAGE" --register
  step "models approve vision-lab 1" "a reviewer approves the version"
  provision models approve vision-lab 1
  step "plan vision-lab && apply vision-lab" "synth resolves latest-approved to version 1: the model and endpoint appear"
  provision plan vision-lab && provision apply vision-lab --yes
  step "audit vision-lab" "the endpoint and its cost are now part of the review"
  provision audit vision-lab | grep -E 'serving|monitoring|Estimated monthly cost'
  step "monitoring run sandbox-serving && monitoring report sandbox-serving" \
    "watch: the local cloud runs the monitoring pipeline's evaluation step itself; the report shows each variant"
  provision monitoring run sandbox-serving && provision monitoring report sandbox-serving
else
  skip "train, approve, serve and watch: they need applied workspaces (roles, buckets, registry, monitoring pipeline), and applying needs the AWS provider"
fi

step "endpoint weights sandbox-serving champion=50 challenger=50" "an A/B shift is a change to the spec, reviewed like code"
provision endpoint weights sandbox-serving champion=50 challenger=50

step "status sandbox-serving" "what runs now: endpoints and variants, training jobs, registry, alarms"
provision status sandbox-serving

step "inventory --env sandbox" "every resource provision tagged on the local cloud, orphans and untagged ML resources"
provision inventory --env sandbox

step doctor "engine, Node, the local cloud; without credentials the AWS environments are information (check one: --env dev)"
provision doctor || echo "(doctor exits 1 when something in use is broken: here, AWS credentials that do not fit the example's accounts)"

if [ -n "$APPLIED" ]; then
  step "destroy vision-lab, studio-lab and sandbox-serving --include-protected" "everything goes, buckets and keys included"
  together "vision-lab=provision destroy vision-lab --include-protected --yes" \
           "studio-lab=provision destroy studio-lab --include-protected --yes" \
           "sandbox-serving=provision destroy sandbox-serving --include-protected --yes"
  provision inventory --env sandbox
else
  skip "destroy: nothing was applied"
fi

step "sandbox stop" "the local cloud stops; what it held is gone (local state files stay)"
provision sandbox stop
echo
echo "Demo done. Scratch org: ${DEMO#"$ROOT"/}/acme"
