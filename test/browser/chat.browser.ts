/**
 * Two people (alice on a desktop window, bob on a 360 px phone) and a third (carol) use the web page against the
 * local runtime (or a deployed stack): every step the issue names, with a screenshot after each.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient } from '../support/client.js';
import { seriousViolations } from './axe.js';
import { PASSWORD, Person, png, uniqueName } from './people.js';
import { clearShots, launch, type Site, shot, startSite } from './site.js';

/** The page's globals the reconnect step touches (the tests are type-checked without the DOM library). */
/** The page's focused element (type-checked without the DOM library). */
interface Focus {
  document: { activeElement: { id: string } };
}

interface Watch {
  seen: (string | undefined)[];
  document: { getElementById(id: string): { dataset: Record<string, string | undefined> } };
  MutationObserver: new (callback: () => void) => { observe(target: unknown, options: object): void };
}

let site: Site;
let browser: Browser;
let alice: Person;
let bob: Person;
let carol: Person;
const group = uniqueName('grp');

beforeAll(async () => {
  clearShots();
  site = await startSite();
  browser = await launch();
  const desktop = { viewport: { width: 1280, height: 800 }, acceptDownloads: true };
  alice = await Person.open(await browser.newContext(desktop), site.webUrl, uniqueName('alice'));
  bob = await Person.open(
    await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true }),
    site.webUrl,
    uniqueName('bob'),
  );
  carol = await Person.open(await browser.newContext(desktop), site.webUrl, uniqueName('carol'));
});

afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

describe('the web page', () => {
  it('presets the WebSocket URL from config.json and registers three people', async () => {
    expect(await alice.page.inputValue('#server-url')).toBe(site.wsUrl);
    await shot(alice.page, '01-start');
    for (const person of [alice, bob, carol]) await person.register();
    await shot(bob.page, '02-registered-360px');
    // The login state, on a desktop and at 360 px: no serious or critical accessibility violation.
    expect(await seriousViolations(alice.page)).toEqual([]);
    expect(await seriousViolations(bob.page)).toEqual([]);
    // Settings open.
    await alice.page.click('.settings summary');
    await alice.page.locator('#server-url').waitFor();
    expect(await seriousViolations(alice.page)).toEqual([]);
    await shot(alice.page, '02b-settings');
    await alice.page.click('.settings summary');
  });

  it('shows the reason of a failed login, in Indonesian and in English', async () => {
    await alice.login('salah-sandi-1');
    const alert = alice.page.locator('#alert[data-reason="invalid_credentials"]');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('Nama pengguna atau kata sandi salah.');
    await shot(alice.page, '03-bad-login-id');
    await alice.page.selectOption('#lang', 'en');
    await alice.login('salah-sandi-2');
    await alice.page.locator('#alert', { hasText: 'Wrong username or password.' }).waitFor();
    expect(await alice.page.textContent('#login-title')).toBe('Log in');
    await shot(alice.page, '04-bad-login-en');
    await alice.page.selectOption('#lang', 'id');
  });

  it('logs in and exchanges private messages both ways (Enter sends, Shift+Enter breaks the line)', async () => {
    for (const person of [alice, bob, carol]) await person.login();
    expect(await alice.page.isVisible('#login-pass')).toBe(false);
    await alice.startChat(bob.name);
    await alice.say('halo bob, apa kabar?');
    await bob.conversation('user', alice.name).locator('.badge', { hasText: '1' }).waitFor();
    await shot(bob.page, '05-bob-unread-360px');
    // The tab's title counts the unread messages.
    expect(await bob.page.title()).toBe('(1) obrol');
    await bob.openConversation('user', alice.name);
    await expect.poll(() => bob.page.title()).toBe('obrol');
    await bob.message('halo bob, apa kabar?').waitFor();
    await bob.say('baik!\nterima kasih');
    const reply = alice.message('terima kasih');
    await reply.waitFor();
    expect(await reply.textContent()).toBe('baik!\nterima kasih');
    await shot(alice.page, '06-alice-private');
    await shot(bob.page, '07-bob-private-360px');
    // The chat state, with messages both ways (own messages on the accent-tinted background).
    expect(await seriousViolations(alice.page)).toEqual([]);
    expect(await seriousViolations(bob.page)).toEqual([]);
  });

  it('runs a group of three: create, join, members, messages', async () => {
    await alice.page.fill('#group-name', group);
    await alice.page.press('#group-name', 'Enter');
    await alice.page.locator('#conv-title', { hasText: group }).waitFor();
    for (const person of [bob, carol]) {
      if (await person.page.locator('#back').isVisible()) await person.page.click('#back');
      await person.page.fill('#group-name', group);
      await person.page.click('#group-join');
      await person.page.locator('#conv-title', { hasText: group }).waitFor();
    }
    await alice.page.click('#members');
    const members = alice.page.locator('#members-panel li');
    await expect.poll(() => members.allTextContents()).toEqual([alice.name, bob.name, carol.name].sort());
    await alice.say('rapat jam 3 ya');
    await bob.message('rapat jam 3 ya').waitFor();
    await carol.message('rapat jam 3 ya').waitFor();
    await carol.say('siap');
    await alice.message('siap').waitFor();
    await shot(alice.page, '08-group-members');
    await shot(carol.page, '09-group-carol');
    expect(await seriousViolations(alice.page)).toEqual([]);
    expect(await seriousViolations(carol.page)).toEqual([]);
  });

  it('sends an image inline and shows its preview', async () => {
    await alice.openConversation('user', bob.name);
    await alice.sendFile('kucing.png', 'image/png', png());
    await bob.openConversation('user', alice.name);
    const preview = bob.page.locator('img.preview[alt="kucing.png"]');
    await preview.waitFor();
    await expect
      .poll(() => preview.evaluate((img) => ('naturalWidth' in img && img.complete ? img.naturalWidth : 0)))
      .toBe(48);
    await shot(bob.page, '10-image-preview-360px');
  });

  it('uploads a 2 MB file through the form with progress to 100%, and the download matches byte for byte', async () => {
    const bytes = randomBytes(2 * 1024 * 1024);
    await bob.sendFile('laporan.bin', 'application/octet-stream', bytes);
    await bob.page.locator('.transfer.done .percent', { hasText: '100%' }).waitFor();
    expect(await bob.page.locator('.transfer.done progress').getAttribute('value')).toBe('100');
    await shot(bob.page, '11-upload-100-360px');
    const button = alice.page.locator('#messages .msg button.download', { hasText: 'laporan.bin' });
    await button.waitFor();
    await shot(alice.page, '12-file-received');
    const [download] = await Promise.all([alice.page.waitForEvent('download'), button.click()]);
    expect(download.suggestedFilename()).toBe('laporan.bin');
    const received = await readFile(await download.path());
    expect(received.equals(bytes)).toBe(true);
  });

  it('delivers what waited while bob was away, and pages back through history', async () => {
    await bob.page.close();
    await alice.say('pesan saat kamu offline');
    // 55 more from another device of alice's, so the conversation needs two history pages.
    const device = await ChatClient.connect(site.wsUrl);
    expect((await device.request(`AUTH ${alice.name} ${PASSWORD}`)).status).toBe('OK');
    for (let i = 1; i <= 55; i++) {
      expect((await device.request(`SEND ${bob.name} m${String(i).padStart(2, '0')}`)).status).toBe('OK');
    }
    await device.close();

    await bob.reopen(site.webUrl);
    await bob.login();
    const badge = bob.conversation('user', alice.name).locator('.badge');
    await expect.poll(() => badge.textContent()).toBe('56');
    await shot(bob.page, '13-offline-delivered-360px');
    await bob.openConversation('user', alice.name);
    await bob.message('pesan saat kamu offline').waitFor();
    await bob.message('m55').waitFor();
    expect(await bob.page.locator('#messages .msg .text', { hasText: 'halo bob' }).count()).toBe(0);
    // Scrolled to the top (again, if the first history page was still on its way and brought the view down).
    await expect
      .poll(
        async () => {
          await bob.page.locator('#messages').evaluate((box) => box.scrollTo(0, 0));
          return bob.page.locator('#messages .msg .text', { hasText: 'halo bob, apa kabar?' }).count();
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    await bob.page.locator('#messages .history-start').waitFor();
    expect(await bob.page.locator('#messages .msg').count()).toBe(60);
    await shot(bob.page, '14-history-start-360px');
  });

  it('reconnects and logs in again by itself after the server drops the connection, losing and doubling nothing', async () => {
    // In the page: remember every state the connection status shows from now on.
    await bob.page.evaluate(() => {
      const page = globalThis as unknown as Watch;
      const status = page.document.getElementById('status');
      page.seen = [];
      new page.MutationObserver(() => page.seen.push(status.dataset.state)).observe(status, {
        attributes: true,
      });
    });
    expect(await site.drop(bob.name)).toBeGreaterThan(0);
    // Sent while the connection is going away: it must arrive once, neither lost nor doubled.
    await bob.say('terkirim saat terputus');
    await expect
      .poll(() => bob.page.evaluate(() => (globalThis as unknown as Watch).seen))
      .toEqual(expect.arrayContaining(['offline']));
    await bob.page.locator('#status[data-state="online"]').waitFor();
    await alice.say('masih di sana?');
    await bob.message('masih di sana?').waitFor();
    await bob.say('ya, tersambung lagi');
    await alice.message('ya, tersambung lagi').waitFor();
    const sentDuringDrop = alice.page.locator('#messages .msg .text', { hasText: 'terkirim saat terputus' });
    expect(await sentDuringDrop.count()).toBe(1);
    await shot(bob.page, '15-reconnected-360px');
  });

  it('sends a 20 KB file inline: its whole frame fits in 32 KB, and it arrives byte for byte', async () => {
    const bytes = randomBytes(20 * 1024);
    await bob.sendFile('dua-puluh.bin', 'application/octet-stream', bytes);
    const button = alice.page.locator('#messages .msg button.download', { hasText: 'dua-puluh.bin' });
    await button.waitFor();
    // Inline: no upload, so no transfer row.
    expect(await bob.page.locator('.transfer', { hasText: 'dua-puluh.bin' }).count()).toBe(0);
    const [download] = await Promise.all([alice.page.waitForEvent('download'), button.click()]);
    expect((await readFile(await download.path())).equals(bytes)).toBe(true);
  });

  it("sends a 30 KB file through the upload form: inline its frame would be over API Gateway's 32 KB", async () => {
    const bytes = randomBytes(30 * 1024);
    await bob.sendFile('tiga-puluh.bin', 'application/octet-stream', bytes);
    // Only an upload shows a transfer row; sent inline, the gateway would have closed bob's connection (1009).
    await bob.page.locator('.transfer.done', { hasText: 'tiga-puluh.bin' }).waitFor();
    const button = alice.page.locator('#messages .msg button.download', { hasText: 'tiga-puluh.bin' });
    await button.waitFor();
    const [download] = await Promise.all([alice.page.waitForEvent('download'), button.click()]);
    expect((await readFile(await download.path())).equals(bytes)).toBe(true);
  });

  it('offers an invitation with a Join button (no error), and marks a group one was removed from', async () => {
    const secret = uniqueName('rahasia');
    const owner = await ChatClient.connect(site.wsUrl);
    expect((await owner.request(`AUTH ${carol.name} ${PASSWORD}`)).status).toBe('OK');
    expect((await owner.request(`GROUP_CREATE ${secret} private`)).status).toBe('OK');
    expect((await owner.request(`GROUP_INVITE ${secret} ${bob.name}`)).status).toBe('OK');
    if (await bob.page.locator('#back').isVisible()) await bob.page.click('#back');
    const invite = bob.page.locator(`#invites li[data-group="${secret}"]`);
    await invite.waitFor();
    expect(await invite.textContent()).toContain(carol.name);
    expect(await invite.textContent()).not.toContain('GROUP_JOIN');
    expect(await bob.page.locator('#alert').isVisible()).toBe(false);
    expect(await seriousViolations(bob.page)).toEqual([]);
    await shot(bob.page, '16-invitation-360px');
    await invite.getByRole('button', { name: /Gabung|Join/ }).click();
    await bob.page.locator('#conv-title', { hasText: secret }).waitFor();
    expect(await bob.page.locator('#invites li').count()).toBe(0);
    await shot(bob.page, '17-joined-360px');

    expect((await owner.request(`GROUP_KICK ${secret} ${bob.name}`)).status).toBe('OK');
    await bob.page.locator('#conv-gone').waitFor();
    expect(await bob.page.locator('#composer-text').isDisabled()).toBe(true);
    expect(await bob.page.locator('#send').isDisabled()).toBe(true);
    expect(await bob.page.locator('#alert').isVisible()).toBe(false);
    await shot(bob.page, '18-kicked-360px');
    await bob.page.click('#back');
    expect(await bob.conversation('group', secret).getAttribute('class')).toContain('gone');
    // Another conversation still has a working composer.
    await bob.openConversation('user', alice.name);
    expect(await bob.page.locator('#composer-text').isDisabled()).toBe(false);
    await owner.close();
  });

  it('fits 360 px: a one-row header, 44 px controls, the whole group title, Enter sends and Shift+Enter breaks', async () => {
    const page = bob.page;
    const header = await page.locator('header.top').boundingBox();
    expect(header?.height ?? 999).toBeLessThanOrEqual(56);
    for (const selector of ['#logout', '#lang', '#back', '#send', '#composer-text']) {
      const box = await page.locator(selector).boundingBox();
      expect(box?.height ?? 0, selector).toBeGreaterThanOrEqual(44);
    }
    await bob.openConversation('group', group);
    const title = page.locator('#conv-title');
    // Not cut: the title's text fits its box.
    expect(await title.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    const conversation = await page.locator('#conversation').boundingBox();
    expect(conversation?.height ?? 0).toBeGreaterThan(740 * 0.75);
    await bob.say('satu\ndua');
    expect(await bob.message('satu').textContent()).toBe('satu\ndua');
    await shot(page, '19-group-360px');
  });

  it('keeps a busy conversation bounded: 270 live messages, at most 200 message nodes, focus kept, the oldest back on scrolling up', async () => {
    await alice.startChat(carol.name);
    // Keyboard focus on another conversation in the sidebar: arriving messages must not throw it to <body>.
    await alice.conversation('user', bob.name).focus();
    // Three of carol's devices (each has its own send budget), 90 messages each.
    const devices = await Promise.all(
      [0, 1, 2].map(async () => {
        const device = await ChatClient.connect(site.wsUrl);
        expect((await device.request(`AUTH ${carol.name} ${PASSWORD}`)).status).toBe('OK');
        return device;
      }),
    );
    await Promise.all(
      devices.map(async (device, d) => {
        for (let i = 1; i <= 90; i++) {
          expect((await device.request(`SEND ${alice.name} d${d}-${i}`)).status).toBe('OK');
        }
      }),
    );
    await Promise.all(devices.map((d) => d.close()));
    for (const d of [0, 1, 2]) await alice.message(`d${d}-90`).waitFor();
    const nodes = await alice.page.locator('#messages article.msg').count();
    expect(nodes).toBeGreaterThan(50);
    expect(nodes).toBeLessThanOrEqual(200);
    expect(
      await alice.page.evaluate(() =>
        (
          globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } } }
        ).document.activeElement.getAttribute('data-key'),
      ),
    ).toBe(`user:${bob.name.toLowerCase()}`);
    await shot(alice.page, '20-busy-conversation');
    // Scrolled back to the top, window by window: the first messages come back, the newest leave the DOM.
    await expect
      .poll(
        async () => {
          await alice.page.locator('#messages').evaluate((box) => box.scrollTo(0, 0));
          return alice.page.locator('#messages .history-start').count();
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    for (const d of [0, 1, 2]) {
      await alice.page.locator('#messages .msg .text', { hasText: new RegExp(`^d${d}-1$`) }).waitFor();
    }
    expect(await alice.page.locator('#messages .msg .text', { hasText: 'd0-90' }).count()).toBe(0);
    expect(await alice.page.locator('#messages article.msg').count()).toBeLessThanOrEqual(200);
    await shot(alice.page, '21-busy-conversation-scrolled-back');
  });

  it('puts messages that overtook each other in their place: 40 sent at once, delivered in the worst order, are on the screen in id order', async () => {
    // dave's page talks to the server through a relay that holds every message push from carol until all 40 have
    // come, then hands them to the page in the worst order pushes that overtook each other can have, every run: the
    // newest, the oldest (it goes before the window's first message, which was the conversation's first), then the
    // rest newest first (each goes between two messages already on the screen).
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const held: { id: string; frame: string }[] = [];
    await page.routeWebSocket(/.*/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((frame) => server.send(frame));
      server.onMessage((frame) => {
        const text = String(frame);
        const push = JSON.parse(text.trim()) as {
          event?: string;
          id?: string;
          from?: string;
          message?: string;
        };
        if (push.event !== 'MESSAGE' || push.from !== carol.name || !/^o\d+$/.test(push.message ?? '')) {
          ws.send(frame);
          return;
        }
        held.push({ id: String(push.id), frame: text });
        if (held.length < 40) return;
        const order = held.sort((a, b) => (a.id < b.id ? 1 : -1));
        order.splice(1, 0, ...order.splice(-1));
        for (const h of order) ws.send(h.frame);
      });
    });
    await page.goto(site.webUrl);
    await page.locator('#status[data-state="online"]').waitFor();
    const dave = new Person(context, page, uniqueName('dave'));
    await dave.register();
    await dave.login();
    await dave.startChat(carol.name);
    const device = await ChatClient.connect(site.wsUrl);
    expect((await device.request(`AUTH ${carol.name} ${PASSWORD}`)).status).toBe('OK');
    const answers = await device.burst(
      Array.from({ length: 40 }, (_, i) => `#o${i} SEND ${dave.name} o${i}`),
    );
    await device.close();
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill('OK'));
    const ids = answers.map((a) => String(a.id)).sort();
    const shown = () =>
      dave.page
        .locator('#messages article[data-id]')
        .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-id') ?? ''));
    await expect.poll(() => held.length).toBe(40);
    await expect.poll(async () => (await shown()).length).toBe(40);
    expect(await shown()).toEqual(ids);
    await shot(dave.page, '22-overtaken-messages-in-order');
    await context.close();
  });

  it('shows who is typing, both ways, until their message arrives', async () => {
    await alice.openConversation('user', bob.name);
    await bob.openConversation('user', alice.name);
    // alice types without sending: bob's page says so under the conversation.
    await alice.page.focus('#composer-text');
    await alice.page.keyboard.type('sebentar, aku');
    const bobTyping = bob.page.locator('#typing');
    await expect.poll(() => bobTyping.textContent()).toBe(`${alice.name} sedang mengetik…`);
    expect(await bobTyping.getAttribute('role')).toBe('status');
    expect(await seriousViolations(bob.page)).toEqual([]);
    await shot(bob.page, '22-typing-360px');
    // Her message arrives: the line goes at once (not only after its 5 s).
    await alice.page.keyboard.type(' tulis dulu');
    await alice.page.keyboard.press('Enter');
    await bob.message('sebentar, aku tulis dulu').waitFor();
    expect(await bobTyping.textContent()).toBe('');
    // And the other way round.
    await bob.page.focus('#composer-text');
    await bob.page.keyboard.type('oke');
    await expect.poll(() => alice.page.locator('#typing').textContent()).toBe(`${bob.name} sedang mengetik…`);
    await shot(alice.page, '23-typing-alice');
    await bob.page.keyboard.press('Enter');
    await alice.message('oke').waitFor();
    expect(await alice.page.locator('#typing').textContent()).toBe('');
    // In a group, shown in the group only: bob (a member, in his conversation with alice) sees nothing.
    await alice.openConversation('group', group);
    await carol.openConversation('group', group);
    await carol.page.focus('#composer-text');
    await carol.page.keyboard.type('hmm');
    await expect
      .poll(() => alice.page.locator('#typing').textContent())
      .toBe(`${carol.name} sedang mengetik…`);
    expect(await bobTyping.textContent()).toBe('');
    await shot(alice.page, '23b-typing-group');
    await carol.page.fill('#composer-text', '');
    await alice.openConversation('user', bob.name);
    // Back in the private conversation: carol's typing in the group is not shown here.
    expect(await alice.page.locator('#typing').textContent()).toBe('');
  });

  it('edits your own message from the keyboard (Esc cancels, the draft comes back) and both pages show the new text', async () => {
    const page = alice.page;
    await alice.say('rapat besok jam 9');
    const mine = page.locator('#messages article.msg.mine', { hasText: 'rapat besok jam 9' });
    const edit = mine.getByRole('button', { name: /^Ubah pesan Anda: rapat besok jam 9/ });
    // Offered once the message is stored (it has the server's id); someone else's message has no such button.
    await edit.waitFor();
    expect(await page.locator('#messages article.msg:not(.mine) button.edit').count()).toBe(0);
    const id = (await mine.getAttribute('data-id')) ?? '';
    expect(id).toMatch(/^[0-9A-Z]{26}$/);
    // A half-typed draft waits while the message is edited.
    await page.focus('#composer-text');
    await page.keyboard.type('draf');
    await edit.focus();
    await page.keyboard.press('Enter');
    await page.locator('#editing:not([hidden])').waitFor();
    expect(await page.inputValue('#composer-text')).toBe('rapat besok jam 9');
    expect(await page.evaluate(() => (globalThis as unknown as Focus).document.activeElement.id)).toBe(
      'composer-text',
    );
    expect(await page.locator('#send').textContent()).toContain('Simpan');
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, '24-editing');
    await page.keyboard.press('Escape');
    await page.locator('#editing').waitFor({ state: 'hidden' });
    expect(await page.inputValue('#composer-text')).toBe('draf');
    expect(await alice.message('rapat besok jam 9').textContent()).toBe('rapat besok jam 9');

    await edit.focus();
    await page.keyboard.press('Enter');
    await page.locator('#editing:not([hidden])').waitFor();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('rapat besok jam 10');
    await page.keyboard.press('Enter');
    await page.locator('#editing').waitFor({ state: 'hidden' });
    const shown = page.locator(`#messages article[data-id="${id}"] .text`);
    await expect.poll(() => shown.textContent()).toBe('rapat besok jam 10 (diubah)');
    expect(await page.inputValue('#composer-text')).toBe('draf');
    const theirs = bob.page.locator(`#messages article[data-id="${id}"] .text`);
    await expect.poll(() => theirs.textContent()).toBe('rapat besok jam 10 (diubah)');
    await shot(page, '25-edited');
    await shot(bob.page, '26-edited-360px');
    await page.fill('#composer-text', '');
    await page.locator('#composer-text').dispatchEvent('input');
  });

  it('deletes your own message after asking (Esc keeps it); both pages show the tombstone', async () => {
    const page = alice.page;
    const mine = page.locator('#messages article.msg.mine', { hasText: 'rapat besok jam 10' });
    const id = (await mine.getAttribute('data-id')) ?? '';
    const remove = mine.getByRole('button', { name: /^Hapus pesan Anda: rapat besok jam 10/ });
    await remove.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Hapus pesan ini untuk semua orang?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('rapat besok jam 10');
    // Cancel has the focus: a stray Enter keeps the message.
    expect(await page.evaluate(() => (globalThis as unknown as Focus).document.activeElement.id)).toBe(
      'confirm-delete-no',
    );
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, '27-confirm-delete');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.locator(`#messages article[data-id="${id}"] .text`).textContent()).toBe(
      'rapat besok jam 10 (diubah)',
    );

    await remove.focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden' });
    const tombstone = (p: typeof page) => p.locator(`#messages article[data-id="${id}"] .text.deleted`);
    await tombstone(page).waitFor();
    expect(await tombstone(page).textContent()).toBe('Pesan ini telah dihapus');
    expect(await page.locator(`#messages article[data-id="${id}"] button`).count()).toBe(0);
    await tombstone(bob.page).waitFor();
    await shot(page, '28-deleted');
    await shot(bob.page, '29-deleted-360px');
    // Stored: a fresh history page shows the tombstone, not the text.
    const device = await ChatClient.connect(site.wsUrl);
    expect((await device.request(`AUTH ${bob.name} ${PASSWORD}`)).status).toBe('OK');
    const history = await device.request(`HISTORY ${alice.name}`);
    const stored = (history.data as { id: string; deleted?: boolean; message?: string }[]).find(
      (m) => m.id === id,
    );
    expect(stored).toMatchObject({ deleted: true });
    expect(stored?.message).toBeUndefined();
    await device.close();
  });

  it('keeps the login over a reload (a token, never the password) with the private conversations listed, which a fresh login elsewhere lists too; logout ends it', async () => {
    const page = alice.page;
    await page.reload();
    await page.locator('#chat:not([hidden])').waitFor();
    expect(await page.isVisible('#login-pass')).toBe(false);
    await alice.conversation('user', bob.name).waitFor();
    await alice.conversation('user', carol.name).waitFor();
    await alice.conversation('group', group).waitFor();
    const stored = await page.evaluate(() =>
      JSON.stringify({
        ...(globalThis as unknown as { localStorage: object }).localStorage,
        ...(globalThis as unknown as { sessionStorage: object }).sessionStorage,
      }),
    );
    expect(stored).not.toContain(PASSWORD);
    await shot(page, '30-reloaded-logged-in');
    // A fresh login on a second page (another browser context: nothing of this tab's storage) lists the private
    // conversations from the server (CONVERSATIONS), not only what this tab remembered.
    const second = await Person.open(await browser.newContext(), site.webUrl, alice.name);
    await second.login();
    await second.conversation('user', bob.name).waitFor();
    await second.conversation('user', carol.name).waitFor();
    await second.conversation('group', group).waitFor();
    await shot(second.page, '30b-second-page-lists-conversations');
    await second.context.close();
    // The resumed login speaks both ways.
    await alice.openConversation('user', bob.name);
    await alice.say('setelah reload');
    await bob.openConversation('user', alice.name);
    await bob.message('setelah reload').waitFor();
    // Sent → delivered → read (issue 23): bob's page took the push before the answer, so alice's message shows
    // delivered; a READ from another of bob's devices turns it read.
    const own = page.locator('article.msg.mine', {
      has: page.locator('.text', { hasText: 'setelah reload' }),
    });
    await own.locator('[data-receipt="delivered"]').waitFor();
    const ownId = await own.getAttribute('data-id');
    const bobsPhone = await ChatClient.connect(site.wsUrl);
    expect((await bobsPhone.request(`AUTH ${bob.name} ${PASSWORD}`)).status).toBe('OK');
    expect((await bobsPhone.request(`READ ${alice.name} ${ownId}`)).status).toBe('OK');
    await own.locator('[data-receipt="read"]').waitFor();
    await bobsPhone.close();
    await bob.say('diterima');
    await alice.message('diterima').waitFor();
    // Logging out ends the token on the server, not only in this tab: the token the page held is refused after.
    const token = await page.evaluate(
      () =>
        JSON.parse(
          (
            globalThis as unknown as { sessionStorage: { getItem(k: string): string } }
          ).sessionStorage.getItem('obrol.session'),
        ).token as string,
    );
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await page.click('#logout');
    await page.locator('#login-form').waitFor();
    const other = await ChatClient.connect(site.wsUrl);
    // The form shows at once; SESSION_END is on its way (it goes before LOGOUT, queued if the connection is down).
    // (Every 0.5 s at most: RESUME draws on AUTH's budget, a burst of 30.)
    await expect
      .poll(async () => (await other.request(`RESUME ${alice.name} ${token}`)).reason, {
        timeout: 10_000,
        interval: 500,
      })
      .toBe('invalid_credentials');
    await other.close();
    // And the next reload shows the login form.
    await page.reload();
    await page.locator('#status[data-state="online"]').waitFor();
    expect(await page.isVisible('#login-form')).toBe(true);
    expect(await page.isVisible('#chat')).toBe(false);
    await shot(page, '31-logged-out-after-reload');
  });
});
