/**
 * `npm run bench:web`: what a busy conversation costs the web page. The local runtime serves the freshly built
 * page; Debian's Chromium (never a downloaded browser) logs in as bob with the conversation with alice open, and
 * alice (a plain WebSocket client) sends messages live into it:
 *  - per-message cost with ~20 messages loaded, then again with ~2,000 (from the WebSocket frame arriving to the
 *    message's node being in the page: the handler, the store and the drawing, measured inside the page);
 *  - 2,000 messages sent as fast as the server answers: total time until the last one is on the screen;
 *  - message nodes in the DOM, all DOM nodes, and the JS heap after a garbage collection.
 * Settings: --messages=2000 --samples=20 (or BENCH_WEB_MESSAGES, BENCH_WEB_SAMPLES). Markdown on stdout.
 */
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launch } from '../test/browser/site.js';
import { ChatClient } from '../test/support/client.js';
import { writePage } from '../web/build.js';
import { machine } from './machine.js';

function setting(name: string, fallback: number): number {
  const flag = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = Number(
    flag?.slice(name.length + 3) ?? process.env[`BENCH_WEB_${name.toUpperCase()}`] ?? fallback,
  );
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`--${name}: ${value} is not a positive integer`);
  return value;
}

const MESSAGES = setting('messages', 2000);
const SAMPLES = setting('samples', 20);
const PASSWORD = 'rahasia-123';
/** SENDs in flight at once on alice's one device during the burst (request tags let a client pipeline). */
const IN_FLIGHT = 16;

/** The page's globals this script adds and reads (the bench is type-checked without the DOM library). */
interface Probe {
  __costs: number[];
  __arrived: number;
}

/**
 * Installed before the page's own code: every WebSocket frame's arrival time, and for every message node added to
 * the log, the time since the frame that brought it (the page handles a frame synchronously, so the observer's
 * callback runs as soon as the handler returns).
 */
const PROBE = `(() => {
  window.__costs = [];
  window.__arrived = 0;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { window.__arrived = performance.now(); });
    }
  };
  const watch = () => {
    const box = document.getElementById('messages');
    if (!box) return requestAnimationFrame(watch);
    new MutationObserver((records) => {
      const now = performance.now();
      for (const r of records) for (const n of r.addedNodes)
        if (n.nodeName === 'ARTICLE' && window.__arrived) { window.__costs.push(now - window.__arrived); window.__arrived = 0; }
    }).observe(box, { childList: true });
  };
  document.addEventListener('DOMContentLoaded', watch);
})();`;

async function main(): Promise<void> {
  process.env.OBROL_LOG ??= 'silent';
  // One sender's 2,000 messages in seconds: the per-connection send budget (10/s) is not what is measured here.
  process.env.BUDGET_SENDS_PER_SECOND = '1000000';
  process.env.BUDGET_SENDS_BURST = '1000000';
  const webDir = mkdtempSync(join(tmpdir(), 'obrol-bench-web-'));
  writePage(webDir);
  const { startRuntime } = await import('../local/runtime.js');
  const runtime = await startRuntime({ port: 0, webDir });
  const browser = await launch();
  const suffix = Date.now().toString(36);
  const alice = `alice_${suffix}`;
  const bob = `bob_${suffix}`;
  let sender: ChatClient | undefined;
  try {
    sender = await ChatClient.connect(runtime.url);
    for (const name of [alice, bob]) {
      const answer = await sender.request(`REGISTER ${name} ${PASSWORD} Indonesia ${name}`);
      if (answer.status !== 'OK') throw new Error(`REGISTER ${name}: ${JSON.stringify(answer)}`);
    }
    const auth = await sender.request(`AUTH ${alice} ${PASSWORD}`);
    if (auth.status !== 'OK') throw new Error(`AUTH: ${JSON.stringify(auth)}`);

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(PROBE);
    const page = await context.newPage();
    await page.goto(runtime.webUrl ?? '');
    await page.locator('#status[data-state="online"]').waitFor();
    await page.fill('#login-user', bob);
    await page.fill('#login-pass', PASSWORD);
    await page.press('#login-pass', 'Enter');
    await page.locator('#chat:not([hidden])').waitFor();
    await page.fill('#new-peer', alice);
    await page.press('#new-peer', 'Enter');
    await page.locator('#conv-title', { hasText: alice }).waitFor();
    await page.locator('#messages .history-start').waitFor();

    let sent = 0;
    const send = async () => {
      sent++;
      const answer = await sender?.request(`SEND ${bob} m${sent}`);
      if (answer?.status !== 'OK') throw new Error(`SEND: ${JSON.stringify(answer)}`);
    };
    const shown = (n: number) =>
      page.locator('#messages .msg .text', { hasText: new RegExp(`^m${n}$`) }).waitFor({ timeout: 120_000 });

    // One at a time, each waited for: the cost of one arriving message with `loaded` already in the page.
    const sample = async () => {
      await page.evaluate(() => {
        (globalThis as unknown as Probe).__costs = [];
      });
      for (let i = 0; i < SAMPLES; i++) {
        await send();
        await shown(sent);
      }
      return page.evaluate(() => (globalThis as unknown as Probe).__costs.slice());
    };

    for (let i = 0; i < 20; i++) await send();
    await shown(sent);
    const small = await sample();
    const loadedSmall = sent;

    // The live burst: alice's one device keeps IN_FLIGHT tagged SENDs in flight (as a client pipelines with request
    // tags, docs/PROTOCOL.md): waiting for each answer would measure the server's round trip, not the page. Her own
    // device gets no push of her own messages; more devices of hers would each get every message, a cost of the
    // echo to one's other devices, not of the page.
    await page.evaluate(() => {
      (globalThis as unknown as Probe).__costs = [];
    });
    const started = Date.now();
    const first = sent + 1;
    sent += MESSAGES;
    for (let from = first; from <= sent; from += IN_FLIGHT) {
      const texts: string[] = [];
      for (let n = from; n < Math.min(from + IN_FLIGHT, sent + 1); n++)
        texts.push(`#s${n} SEND ${bob} m${n}`);
      for (const answer of await sender.burst(texts))
        if (answer.status !== 'OK') throw new Error(`SEND: ${JSON.stringify(answer)}`);
    }
    const answered = Date.now() - started;
    await send();
    await shown(sent);
    const total = Date.now() - started;
    const work = await page.evaluate(() =>
      (globalThis as unknown as Probe).__costs.reduce((a, b) => a + b, 0),
    );

    const large = await sample();
    const loadedLarge = sent;
    const cdp = await context.newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    const nodes = await counts(page);

    const stat = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
      return `${at(0.5).toFixed(2)} ms median, ${at(0.95).toFixed(2)} ms p95 (${s.length} samples)`;
    };
    let commit = 'unknown';
    try {
      commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
    } catch {}
    const lines = [
      `## Web page: ${MESSAGES} messages arriving live (commit ${commit})`,
      '',
      `Machine: ${JSON.stringify(machine())}`,
      '',
      '| measure | value |',
      '| --- | --- |',
      `| ${MESSAGES} live messages until the last is on the screen | ${(total / 1000).toFixed(1)} s (server answered the last send at ${(answered / 1000).toFixed(1)} s) |`,
      `| the page's own work for them (frame to node, summed) | ${(work / 1000).toFixed(2)} s |`,
      `| per-message cost, ${loadedSmall - SAMPLES}–${loadedSmall} loaded | ${stat(small)} |`,
      `| per-message cost, ${loadedLarge - SAMPLES}–${loadedLarge} loaded | ${stat(large)} |`,
      `| message nodes in the DOM with ${loadedLarge} loaded | ${nodes.messages} |`,
      `| all DOM nodes | ${nodes.all} |`,
      `| JS heap after GC | ${(heap.usedSize / 1024 / 1024).toFixed(1)} MB |`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await sender?.close().catch(() => undefined);
    await browser.close();
    await runtime.stop();
    rmSync(webDir, { recursive: true, force: true });
  }
}

function counts(page: Page): Promise<{ messages: number; all: number }> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } })
      .document;
    return {
      messages: doc.querySelectorAll('#messages article').length,
      all: doc.querySelectorAll('*').length,
    };
  });
}

await main();
