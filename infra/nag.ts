import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { ObrolStack } from './stack.js';

/**
 * Runs cdk-nag's AwsSolutions pack at synthesis: any finding not acknowledged makes `cdk synth` fail.
 * Acknowledgements about a single construct live next to it (storage.ts, stack.ts); the ones here are
 * about resources aws-cdk-lib adds on its own, which we do not construct ourselves.
 */
export function applyNag(app: App, stack: ObrolStack): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  void stack;
}
