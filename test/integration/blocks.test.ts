/**
 * BLOCK / UNBLOCK / BLOCKED and GROUP_UNINVITE over real WebSockets: a blocked user's private commands answer as for a
 * name nobody has and reach nobody, presence is hidden both ways while group messages go on, and an invitation taken
 * back cannot be used; a block also hides the pair in WHO, stops an upload whose form came before it, refuses EDIT
 * and does not push DELETE of earlier messages, and BLOCK answers a name nobody has as a registered one. Absence of a
 * push is checked against a later push that must come after it on the same path.
 */
import { describe, expect, it } from 'vitest';
import { uniqueName, useEndpoint } from '../support/endpoint.js';
import { type UploadForm, upload } from '../support/files.js';

const env = useEndpoint();

describe('BLOCK', () => {
  it('makes the blocker a missing user to the blocked one, and hides presence both ways', async () => {
    const victim = await env.user('victim');
    const pest = await env.user('pest');
    const friend = await env.user('friend');
    const ghost = uniqueName('ghost');
    const hello = await pest.client.request(`SEND ${victim.name} hello`);
    expect(hello.status).toBe('OK');
    await victim.client.nextPush((p) => p.event === 'MESSAGE' && p.id === hello.id);

    expect(await victim.client.request(`BLOCK ${pest.name}`)).toEqual({
      status: 'OK',
      data: 'pengguna diblokir',
    });
    expect(await victim.client.request('BLOCKED')).toEqual({ status: 'OK', data: [pest.name] });
    for (const frame of [
      (n: string) => `SEND ${n} again`,
      (n: string) => `SEND_FILE ${n} a.txt aGk=`,
      (n: string) => `TYPING ${n}`,
      (n: string) => `READ ${n} ${hello.id}`,
      (n: string) => `STATUS ${n}`,
      (n: string) => `WATCH ${n}`,
    ]) {
      const missing = await pest.client.request(frame(ghost));
      expect(missing.status).toBe('ERROR');
      expect(await pest.client.request(frame(victim.name))).toEqual(missing);
    }
    expect(await victim.client.request(`STATUS ${pest.name}`)).toMatchObject({ reason: 'not_allowed' });

    // Nothing of the pest reached the victim: a friend's message, sent after, arrives with nothing before it.
    const later = await friend.client.request(`SEND ${victim.name} after`);
    await victim.client.nextPush((p) => p.event === 'MESSAGE' && p.id === later.id);
    expect(victim.client.pushes.filter((p) => p.from === pest.name)).toEqual([]);

    expect(await victim.client.request(`UNBLOCK ${pest.name}`)).toEqual({
      status: 'OK',
      data: 'blokir dibuka',
    });
    const back = await pest.client.request(`SEND ${victim.name} back`);
    expect(back.status).toBe('OK');
    await victim.client.nextPush((p) => p.event === 'MESSAGE' && p.id === back.id);
  });

  it('leaves groups alone: a blocked member’s group messages still arrive', async () => {
    const { group, users } = await env.group('owner', 'pest');
    const [owner, pest] = users;
    expect(await owner.client.request(`BLOCK ${pest.name}`)).toMatchObject({ status: 'OK' });
    const sent = await pest.client.request(`SEND_GROUP ${group} hi all`);
    expect(sent.status).toBe('OK');
    expect(await owner.client.nextPush((p) => p.event === 'GROUP_MESSAGE' && p.id === sent.id)).toMatchObject(
      {
        from: pest.name,
      },
    );
  });
});

describe('a block holds everywhere (issue 22)', () => {
  it('hides the pair in WHO, refuses the pest’s upload, EDIT and DELETE push, and BLOCK tells no name apart', async () => {
    const { group, users } = await env.group('victim', 'pest', 'friend');
    const [victim, pest, friend] = users;
    const earlier = await pest.client.request(`SEND ${victim.name} earlier`);
    const doomed = await pest.client.request(`SEND ${victim.name} doomed`);
    await victim.client.nextPush((p) => p.event === 'MESSAGE' && p.id === doomed.id);
    const answer = await pest.client.request(`SEND_FILE ${victim.name} late.bin`);
    expect(answer).toMatchObject({ status: 'OK', data: 'silakan unggah file' });

    // BLOCK of a registered name and of a name nobody has: one answer.
    const ghost = uniqueName('ghost');
    const blocked = await victim.client.request(`BLOCK ${pest.name}`);
    expect(blocked).toEqual({ status: 'OK', data: 'pengguna diblokir' });
    expect(await victim.client.request(`BLOCK ${ghost}`)).toEqual(blocked);
    expect(await victim.client.request('BLOCKED')).toEqual({ status: 'OK', data: [ghost, pest.name].sort() });

    // WHO: the pair do not see each other online; the friend sees everyone.
    const all = [victim.name, pest.name, friend.name].sort();
    expect(await victim.client.request(`WHO ${group}`)).toEqual({
      status: 'OK',
      data: all.filter((n) => n !== pest.name),
    });
    expect(await pest.client.request(`WHO ${group}`)).toEqual({
      status: 'OK',
      data: all.filter((n) => n !== victim.name),
    });
    expect(await friend.client.request(`WHO ${group}`)).toEqual({ status: 'OK', data: all });

    // The upload whose form came before the block lands: the pest is told as for a missing user.
    expect(await upload(answer.upload as UploadForm, Buffer.from('late'), 'late.bin')).toBe(204);
    expect(await pest.client.nextPush((p) => p.event === 'FILE_FAILED' || p.event === 'FILE_SENT')).toEqual({
      event: 'FILE_FAILED',
      id: answer.id,
      reason: 'unknown_recipient',
    });

    // EDIT of an earlier message: as for a missing user; DELETE: answered OK, not pushed to the victim.
    expect(await pest.client.request(`EDIT ${earlier.id} changed`)).toEqual({
      status: 'ERROR',
      data: 'pesan tidak diubah',
      reason: 'unknown_recipient',
    });
    expect(await pest.client.request(`DELETE ${doomed.id}`)).toEqual({ status: 'OK', data: 'pesan dihapus' });

    // Nothing of the pest reached the victim: a friend's message, sent after, arrives with nothing before it.
    const later = await friend.client.request(`SEND ${victim.name} after`);
    await victim.client.nextPush((p) => p.event === 'MESSAGE' && p.id === later.id);
    expect(
      victim.client.pushes.filter(
        (p) => p.id === answer.id || p.event === 'MESSAGE_EDITED' || p.event === 'MESSAGE_DELETED',
      ),
    ).toEqual([]);
    // The victim's HISTORY: the earlier text unchanged, the deleted one a tombstone, no file.
    const history = (await victim.client.request(`HISTORY ${pest.name}`)).data as Record<string, unknown>[];
    expect(history.map((m) => [m.id, m.message, m.deleted])).toEqual([
      [doomed.id, undefined, true],
      [earlier.id, 'earlier', undefined],
    ]);
  });
});

describe('GROUP_UNINVITE', () => {
  it('takes back a pending invitation: the invitee can no longer join', async () => {
    const owner = await env.user('owner');
    const invitee = await env.user('invitee');
    const group = uniqueName('priv');
    expect(await owner.client.request(`GROUP_CREATE ${group} private`)).toMatchObject({ status: 'OK' });
    expect(await owner.client.request(`GROUP_INVITE ${group} ${invitee.name}`)).toMatchObject({
      status: 'OK',
    });
    await invitee.client.nextPush((p) => p.event === 'GROUP_INVITED');
    expect(await owner.client.request(`GROUP_UNINVITE ${group} ${invitee.name}`)).toEqual({
      status: 'OK',
      data: 'undangan dibatalkan',
    });
    expect(await invitee.client.request(`GROUP_JOIN ${group}`)).toEqual({
      status: 'ERROR',
      data: 'gagal bergabung ke grup',
      reason: 'not_invited',
    });
    expect(await owner.client.request(`GROUP_UNINVITE ${group} ${invitee.name}`)).toMatchObject({
      reason: 'not_invited',
    });
    expect(await invitee.client.request(`GROUP_UNINVITE ${group} ${owner.name}`)).toMatchObject({
      reason: 'not_owner',
    });
  });
});
