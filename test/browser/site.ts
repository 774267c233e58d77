/**
 * What the browser tests run against: the local runtime on free ports serving a freshly built page, or a deployed
 * stack (WEB_URL = the page, WS_URL = its WebSocket endpoint; CALLBACK_URL and TABLE_NAME, the stack's outputs,
 * with AWS credentials, for the step that drops a connection from the server side).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { userKeyOf } from '../../shared/protocol/names.js';
import { writePage } from '../../web/build.js';

export interface Site {
  webUrl: string;
  wsUrl: string;
  /** Closes every live connection of `user` from the server side, as API Gateway does after 2 hours. */
  drop(user: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startSite(): Promise<Site> {
  const { WEB_URL, WS_URL } = process.env;
  if (WEB_URL) {
    if (!WS_URL) throw new Error('WEB_URL needs WS_URL too (the stack outputs WebUrl and WebSocketUrl)');
    return { webUrl: WEB_URL, wsUrl: WS_URL, drop: dropDeployed, stop: async () => undefined };
  }
  process.env.OBROL_LOG ??= 'silent';
  const webDir = mkdtempSync(join(tmpdir(), 'obrol-web-'));
  writePage(webDir);
  const { startRuntime } = await import('../../local/runtime.js');
  const runtime = await startRuntime({ port: 0, webDir });
  const { readAccount } = await import('../../shared/data/users.js');
  return {
    webUrl: runtime.webUrl ?? '',
    wsUrl: runtime.url,
    drop: async (user) => {
      const { connections } = await readAccount(userKeyOf(user), Date.now());
      // Signed with the runtime's key pair (in this process's environment): @connections refuses anything else.
      const { ApiGatewayManagementApiClient, DeleteConnectionCommand } = await import(
        '@aws-sdk/client-apigatewaymanagementapi'
      );
      const client = new ApiGatewayManagementApiClient({ endpoint: runtime.callbackUrl });
      for (const { connectionId } of connections) {
        await client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
      }
      client.destroy();
      return connections.length;
    },
    stop: async () => {
      await runtime.stop();
      rmSync(webDir, { recursive: true, force: true });
    },
  };
}

/** On AWS: the user's connections from the table, closed through the signed @connections API. */
async function dropDeployed(user: string): Promise<number> {
  const { CALLBACK_URL } = process.env;
  if (!CALLBACK_URL || !process.env.TABLE_NAME) {
    throw new Error(
      'against a deployed stack, set CALLBACK_URL and TABLE_NAME (stack outputs) and AWS credentials',
    );
  }
  const { readAccount } = await import('../../shared/data/users.js');
  const { ApiGatewayManagementApiClient, DeleteConnectionCommand } = await import(
    '@aws-sdk/client-apigatewaymanagementapi'
  );
  const client = new ApiGatewayManagementApiClient({ endpoint: CALLBACK_URL });
  const { connections } = await readAccount(userKeyOf(user), Date.now());
  for (const { connectionId } of connections) {
    await client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
  }
  return connections.length;
}

/** Debian's Chromium: never a downloaded browser. CHROMIUM_PATH overrides. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium-headless-shell', '/usr/bin/chromium'];
  const found = candidates.find((path): path is string => !!path && existsSync(path));
  if (!found) throw new Error('no Chromium: apt-get install chromium-headless-shell (or set CHROMIUM_PATH)');
  return found;
}

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
}

/** Screenshots of every step, kept by CI when the run fails. */
export const SHOTS_DIR = join(process.cwd(), 'test-results', 'browser');

/** Empties the screenshot folder, so it shows this run only. */
export function clearShots(): void {
  rmSync(SHOTS_DIR, { recursive: true, force: true });
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS_DIR, { recursive: true });
  await page.screenshot({ path: join(SHOTS_DIR, `${name}.png`), fullPage: true });
}
