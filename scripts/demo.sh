#!/usr/bin/env bash
# The demo: the main job on the embedded example org (examples/acme), in a scratch copy
# so that the repository stays clean. Every step is a real `provision` command.
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_EC2_METADATA_DISABLED=true  # no instance metadata service here: do not wait for one
ROOT=$PWD
DEMO=$ROOT/.build/demo
rm -rf "$DEMO" && mkdir -p "$DEMO" && cp -r examples/acme "$DEMO/acme"
cd "$DEMO/acme"
provision() { "$ROOT/.venv/bin/provision" "$@"; }
step() { printf '\n\033[1m$ provision %s\033[0m\n' "$*"; }

step blueprints list
provision blueprints list

step request vision-lab --blueprint gpu-training --env dev --owner carol@example.com --team vision --tag cost-center=cc-4242 --set training.max_instances=2
provision request vision-lab --blueprint gpu-training --env dev --owner carol@example.com --team vision \
  --tag cost-center=cc-4242 --set training.max_instances=2

step "request too-big ... --set training.instance_types=[ml.p5.48xlarge]   (refused by the guardrails)"
if provision request too-big --blueprint gpu-training --env dev --owner carol@example.com --team vision \
  --tag cost-center=cc-4242 --set 'training.instance_types=[ml.p5.48xlarge]'; then
  echo "expected the guardrails to refuse this request" >&2; exit 1
else
  echo "(exit $? = invalid input, nothing written)"
fi

step validate
provision validate

step synth --all
provision synth --all

echo
echo "Summary"
for stack in cdktf.out/stacks/*/; do
  name=$(basename "$stack")
  count=$("$ROOT/.venv/bin/python" -c 'import json,sys; c=json.load(open(sys.argv[1])); print(sum(len(v) for v in c.get("resource",{}).values()))' "$stack/cdk.tf.json")
  printf '  %-16s %3s resources  %s\n' "$name" "$count" "${stack#$DEMO/}cdk.tf.json"
done

step "audit churn-model --format md --out review.md"
provision audit churn-model --format md --out review.md && echo "(review.md: $(wc -c < review.md) characters, fits a PR comment)"

step "audit recsys-ab   (the A/B endpoint workspace: findings, IAM, cost)"
provision audit recsys-ab | sed -n '1,12p'

step "env churn-model   (the data scientist's SageMaker SDK defaults)"
provision env churn-model | sed -n '1,14p'

step "endpoint weights recsys-ab champion=50 challenger=50   (an A/B shift goes through review)"
provision endpoint weights recsys-ab champion=50 challenger=50

step doctor
provision doctor || echo "(doctor exits non-zero when something is missing, as here: no AWS credentials)"

step "plan sandbox-trial   (local state; PROVISION_OFFLINE=1: this machine cannot download the AWS provider)"
PROVISION_OFFLINE=1 provision plan sandbox-trial || echo "(plan needs the AWS provider, so it stopped after synth; with network access it goes on)"
echo
echo "Demo done. Scratch org: ${DEMO#$ROOT/}/acme"
