/** The local runtime serves the built page on the gateway's port: /, /config.json and the bundle, else 404. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime.js';
import { writePage } from '../../web/build.js';

let runtime: Runtime;
let dir: string;
let built: { path: string; contents: string }[];

beforeAll(async () => {
  process.env.OBROL_LOG ??= 'silent';
  dir = mkdtempSync(join(tmpdir(), 'obrol-web-test-'));
  built = writePage(dir);
  const { startRuntime } = await import('../../local/runtime.js');
  runtime = await startRuntime({ port: 0, webDir: dir });
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the page on the local runtime', () => {
  it('serves index.html at / with a CSP naming only its WebSocket and S3 endpoint', async () => {
    expect(runtime.webUrl).toBe(`${runtime.url.replace('ws://', 'http://')}/`);
    const response = await fetch(runtime.webUrl ?? '');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('<script type="module" src="app.js">');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain(`connect-src 'self' ${runtime.url} ${runtime.s3Endpoint}`);
    expect(csp).toContain("default-src 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('tells the page its WebSocket URL in config.json', async () => {
    const response = await fetch(new URL('config.json', runtime.webUrl));
    expect(await response.json()).toEqual({ wsUrl: runtime.url });
  });

  it('serves the bundle, and 404 for anything else (no path escapes the folder)', async () => {
    const js = await fetch(new URL('app.js', runtime.webUrl));
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await js.text()).toBe(built.find((f) => f.path === 'app.js')?.contents);
    for (const path of ['nope.js', '..%2fpackage.json', '../package.json', 'build.ts']) {
      expect((await fetch(`${runtime.webUrl}${path}`)).status, path).toBe(404);
    }
    expect((await fetch(new URL('app.js', runtime.webUrl), { method: 'POST' })).status).toBe(405);
  });

  it('keeps the @connections API where it was, signed as on AWS', async () => {
    const api = new ApiGatewayManagementApiClient({ endpoint: runtime.callbackUrl, maxAttempts: 1 });
    await expect(
      api.send(new PostToConnectionCommand({ ConnectionId: 'nobody', Data: Buffer.from('x') })),
    ).rejects.toMatchObject({ name: 'GoneException' });
    api.destroy();
    const unsigned = await fetch(`${runtime.callbackUrl}/@connections/nobody`, { method: 'POST', body: 'x' });
    expect(unsigned.status).toBe(403);
  });

  it('keeps its own JavaScript and CSS under 100 KB gzipped', () => {
    const bytes = built
      .filter((f) => f.path.endsWith('.js') || f.path.endsWith('.css'))
      .reduce((sum, f) => sum + gzipSync(f.contents).length, 0);
    expect(bytes).toBeLessThan(100 * 1024);
  });
});
