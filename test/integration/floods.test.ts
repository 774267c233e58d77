import { describe, expect, it } from 'vitest';
import type { Frame } from '../support/client.js';
import { useEndpoint } from '../support/endpoint.js';

const env = useEndpoint();

describe('a flood from one connection', () => {
  it('is answered rate_limited with retryAfter past its budget, and another connection is unaffected', async () => {
    const flooder = await env.user('flooder');
    const bystander = await env.user('bystander');
    const target = await env.user('target');
    const frames = 160;
    const answers: Frame[] = [];
    const done = flooder.client.until(
      () => (answers.length >= frames ? answers : undefined),
      'every answer to the flood',
      60_000,
    );
    flooder.client.socket.on('message', (data) => {
      const frame = JSON.parse(data.toString().replace(/\r\n\r\n$/, '')) as Frame;
      if (frame.event === undefined) answers.push(frame);
    });
    for (let i = 0; i < frames; i++) flooder.client.socket.send(`SEND ${target.name} flood ${i}`);
    await done;
    const limited = answers.filter((a) => a.reason === 'rate_limited');
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]).toMatchObject({ status: 'ERROR', data: 'pesan tidak terkirim' });
    expect(limited[0]?.retryAfter).toBeGreaterThanOrEqual(1);
    expect(answers.filter((a) => a.status === 'OK').length).toBeGreaterThanOrEqual(100);
    expect(await bystander.client.request(`SEND ${target.name} hello`)).toMatchObject({ status: 'OK' });
  });
});
