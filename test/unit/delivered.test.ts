/**
 * "Delivered" (issue 23): SEND_ID answers delivered:true when a device of the recipient took the push before the
 * answer (SEND's seed-form answer never changes), and a login's catch-up tells the senders of the private messages it
 * delivered, DELIVERED {by, upTo} on their live devices — not across a block, and never for a group message.
 */
import { describe, expect, it } from 'vitest';
import { OK, PASSWORD, useDispatcher } from '../support/dispatcher.js';

const t = await useDispatcher({ BUDGET_SENDS_BURST: '10000' });

describe('delivered', () => {
  it('SEND_ID says delivered when a device took the push; SEND never does; nothing for an offline recipient', async () => {
    const [alice, bob] = [await t.user('alice'), await t.user('bob')];
    const live = await alice.ask(`SEND_ID live-0001 ${bob.name} hai`);
    expect(live).toEqual(OK('pesan terkirim', { id: live.id, delivered: true }));
    const plain = await alice.ask(`SEND ${bob.name} hai`);
    expect(plain).toEqual(OK('pesan terkirim', { id: plain.id }));
    expect(await bob.ask('LOGOUT')).toEqual(OK('logout berhasil'));
    const waiting = await alice.ask(`SEND_ID wait-0001 ${bob.name} nanti`);
    expect(waiting).toEqual(OK('pesan terkirim', { id: waiting.id }));
  });

  it('the catch-up tells the senders, up to their newest delivered, and only them', async () => {
    const [alice, carol, bob] = [await t.user('alice'), await t.user('carol'), await t.user('bob')];
    const group = await t.group('owner');
    const owner = group.users[0];
    expect((await bob.ask(`GROUP_JOIN ${group.name}`)).status).toBe('OK');
    expect(await bob.ask('LOGOUT')).toEqual(OK('logout berhasil'));
    const first = await alice.ask(`SEND ${bob.name} satu`);
    const second = await alice.ask(`SEND ${bob.name} dua`);
    const fromCarol = await carol.ask(`SEND ${bob.name} tiga`);
    // A blocked sender hears nothing: carol blocked by bob after sending.
    const dave = await t.user('dave');
    await dave.ask(`SEND ${bob.name} empat`);
    // A group message delivered by the same catch-up tells its sender nothing.
    expect((await owner?.ask(`SEND_GROUP ${group.name} rapat`))?.status).toBe('OK');
    await t.runJobs();
    const device = await t.device();
    expect(await device.ask(`AUTH ${bob.name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    expect(await device.ask(`BLOCK ${dave.name}`)).toMatchObject({ status: 'OK' });
    await t.runJobs();
    expect(device.pushes('CAUGHT_UP')).toHaveLength(1);
    expect(alice.pushes('DELIVERED')).toEqual([
      { event: 'DELIVERED', id: expect.any(String), by: bob.name, upTo: second.id },
    ]);
    expect(carol.pushes('DELIVERED')).toEqual([
      { event: 'DELIVERED', id: expect.any(String), by: bob.name, upTo: fromCarol.id },
    ]);
    expect(dave.pushes('DELIVERED')).toEqual([]);
    expect(owner?.pushes('DELIVERED')).toEqual([]);
    expect(device.pushes('GROUP_MESSAGE')).toHaveLength(1);
    expect(first.id < second.id).toBe(true);
  });
});
