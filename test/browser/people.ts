/** One person at the web page: the steps a user takes, by label and role where they have one. */
import { randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import type { BrowserContext, Locator, Page } from 'playwright-core';

export const PASSWORD = 'rahasia-123';

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export class Person {
  constructor(
    readonly context: BrowserContext,
    public page: Page,
    readonly name: string,
  ) {}

  static async open(context: BrowserContext, webUrl: string, name: string): Promise<Person> {
    const page = await context.newPage();
    await page.goto(webUrl);
    await page.locator('#status[data-state="online"]').waitFor();
    return new Person(context, page, name);
  }

  async reopen(webUrl: string): Promise<void> {
    this.page = await this.context.newPage();
    await this.page.goto(webUrl);
    await this.page.locator('#status[data-state="online"]').waitFor();
  }

  async register(): Promise<void> {
    const p = this.page;
    await p.fill('#reg-user', this.name);
    await p.fill('#reg-pass', PASSWORD);
    await p.fill('#reg-country', 'Indonesia');
    await p.fill('#reg-name', `${this.name} Tester`);
    await p.press('#reg-name', 'Enter');
    await p.locator('#notice:not([hidden])').waitFor();
  }

  /** Logs in with the keyboard only: type, Tab, type, Enter. */
  async login(password = PASSWORD): Promise<void> {
    const p = this.page;
    await p.fill('#login-user', '');
    await p.focus('#login-user');
    await p.keyboard.type(this.name);
    await p.keyboard.press('Tab');
    await p.keyboard.type(password);
    await p.keyboard.press('Enter');
    if (password === PASSWORD) await p.locator('#chat:not([hidden])').waitFor();
  }

  conversation(kind: 'user' | 'group', name: string): Locator {
    return this.page.locator(`button.conv[data-key="${kind}:${name.toLowerCase()}"]`);
  }

  async openConversation(kind: 'user' | 'group', name: string): Promise<void> {
    if (await this.page.locator('#back').isVisible()) await this.page.click('#back');
    await this.conversation(kind, name).click();
    await this.page.locator('#conv-title', { hasText: name }).waitFor();
  }

  async startChat(peer: string): Promise<void> {
    if (await this.page.locator('#back').isVisible()) await this.page.click('#back');
    await this.page.fill('#new-peer', peer);
    await this.page.press('#new-peer', 'Enter');
    await this.page.locator('#conv-title', { hasText: peer }).waitFor();
  }

  /** Types into the composer and sends with Enter (Shift+Enter for each new line). */
  async say(text: string): Promise<void> {
    const p = this.page;
    await p.focus('#composer-text');
    const lines = text.split('\n');
    for (const [i, line] of lines.entries()) {
      if (i > 0) await p.keyboard.press('Shift+Enter');
      await p.keyboard.type(line);
    }
    await p.keyboard.press('Enter');
    await this.message(text).waitFor();
  }

  message(text: string): Locator {
    return this.page.locator('#messages .msg .text').filter({ hasText: text }).first();
  }

  async sendFile(name: string, mimeType: string, buffer: Buffer): Promise<void> {
    await this.page.setInputFiles('#file-input', { name, mimeType, buffer });
  }
}

/** A real PNG (a two-colour square) for the inline image step. */
export function png(size = 48): Buffer {
  const row = (y: number) =>
    Buffer.concat([
      Buffer.from([0]),
      ...Array.from({ length: size }, (_, x) =>
        Buffer.from(x < size / 2 === y < size / 2 ? [11, 107, 203] : [255, 196, 0]),
      ),
    ]);
  const raw = Buffer.concat(Array.from({ length: size }, (_, y) => row(y)));
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
