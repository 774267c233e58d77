#!/usr/bin/env bash
# Checks the CDK app the way CI does, offline and without AWS credentials:
#   1. cdk synth for the default (prod, retained) stack, a dev (destroyable) stack and a chat-only stack
#      (web=false, no CloudFront: what an account CloudFront does not accept yet deploys). cdk-nag's
#      AwsSolutions pack runs inside synth (infra/nag.ts), so an unacknowledged finding fails here.
#   2. cfn-lint over the synthesized templates, when the cfn-lint command is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

# --no-notices: synth must not reach the network (cdk.json also turns CLI telemetry off).
# Old templates from other stage names would otherwise be linted too.
rm -rf cdk.out

echo "==> cdk synth (stage=prod, cdk-nag AwsSolutions)"
npx cdk synth --quiet --no-notices

echo "==> cdk synth (stage=dev, removalPolicy=destroy, cdk-nag AwsSolutions)"
npx cdk synth --quiet --no-notices -c stage=dev --output cdk.out/dev

echo "==> cdk synth (stage=chat, web=false: the chat without CloudFront, cdk-nag AwsSolutions)"
npx cdk synth --quiet --no-notices -c stage=chat -c web=false --output cdk.out/chat

templates=(cdk.out/*.template.json cdk.out/dev/*.template.json cdk.out/chat/*.template.json)

if command -v cfn-lint >/dev/null 2>&1; then
  echo "==> cfn-lint $(cfn-lint --version 2>&1) on ${templates[*]}"
  # W3005 (DependsOn already implied by a GetAtt) is how aws-cdk-lib renders every Lambda function's
  # dependency on its role and policy: redundant, harmless, and not ours to change.
  cfn-lint --ignore-checks W3005 -- "${templates[@]}"
else
  echo "==> cfn-lint SKIPPED: the cfn-lint command is not installed (pip install cfn-lint to run it)"
fi

echo "==> infra checks passed"
