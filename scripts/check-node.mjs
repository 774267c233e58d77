// Proves which Node.js the npm scripts run on: the `node` devDependency (the Lambda runtime's major version),
// not whatever Node runs npm itself. CI runs it as `npm run check:node`; it fails on any other major.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const wanted = String(pkg.devDependencies.node)
  .replace(/^[^\d]*/, '')
  .split('.')[0];
const running = process.versions.node.split('.')[0];
console.log(`node --version: ${process.version} (${process.execPath})`);
if (running !== wanted) {
  console.error(`npm scripts should run on Node ${wanted} (devDependencies.node), not ${process.version}`);
  process.exit(1);
}
