#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { readSettings } from './config.js';
import { applyNag } from './nag.js';
import { ObrolStack } from './stack.js';

const app = new App();
const settings = readSettings(app.node);
// No `env`: the stack is environment-agnostic, so `cdk synth` never needs AWS credentials or lookups.
new ObrolStack(app, `obrol-${settings.stage}`, { settings });
applyNag(app);
