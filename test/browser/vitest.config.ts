/**
 * `npm run test:browser`: the web page in Debian's headless Chromium, driven by playwright-core. Its files end in
 * `.browser.ts`, so plain `npm test` (test/**\/*.test.ts) never starts a browser.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/browser/**/*.browser.ts'],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    // How long expect.poll waits for the page to catch up before it fails (a bound on waiting, not a speed check).
    expect: { poll: { timeout: 15_000 } },
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
