/**
 * Takes the README's picture of the web page (docs/web-chat.png): the local runtime on free ports, alice and bob
 * in two headless Chromium windows, a short chat and a picture. `npx tsx scripts/web-screenshot.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime } from '../local/runtime.js';
import { Person, png } from '../test/browser/people.js';
import { launch } from '../test/browser/site.js';
import { writePage } from '../web/build.js';

process.env.OBROL_LOG ??= 'silent';
const webDir = mkdtempSync(join(tmpdir(), 'obrol-web-'));
writePage(webDir);
const runtime = await startRuntime({ port: 0, webDir });
const browser = await launch();
try {
  const url = runtime.webUrl ?? '';
  const window = { viewport: { width: 1100, height: 640 } };
  const alice = await Person.open(await browser.newContext(window), url, 'alice');
  const bob = await Person.open(await browser.newContext(window), url, 'bob');
  for (const person of [alice, bob]) {
    await person.register();
    await person.login();
  }
  await alice.page.fill('#group-name', 'kantor');
  await alice.page.press('#group-name', 'Enter');
  await alice.startChat('bob');
  await alice.say('halo bob, apa kabar?');
  await bob.openConversation('user', 'alice');
  await bob.say('baik, terima kasih!\nfoto kucingnya sudah ada?');
  await alice.message('foto kucingnya').waitFor();
  await alice.sendFile('kucing.png', 'image/png', png(96));
  await bob.page.locator('img.preview').waitFor();
  await bob.say('lucu sekali 😺');
  await alice.message('lucu sekali').waitFor();
  await alice.page.locator('#notice').evaluate((notice) => notice.setAttribute('hidden', ''));
  await alice.page.screenshot({ path: 'docs/web-chat.png' });
  console.log('saved docs/web-chat.png');
} finally {
  await browser.close();
  await runtime.stop();
  rmSync(webDir, { recursive: true, force: true });
}
