import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * Runs cdk-nag's AwsSolutions pack at synthesis: any finding not acknowledged makes `cdk synth` fail.
 * Every acknowledgement lives next to the construct it is about (storage.ts, api.ts, stack.ts), with its reason.
 */
export function applyNag(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}
