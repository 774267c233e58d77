/**
 * EDIT / DELETE against a runtime with a 1-second edit window (EDIT_WINDOW_SECONDS, read once per process: its own
 * file).
 */
import { describe, expect, it, vi } from 'vitest';
import { keys } from '../../shared/data/keys.js';
import { idTime } from '../../shared/ids.js';
import { useLocalRuntime } from '../support/runtime.js';
import { seeder } from '../support/seed.js';

vi.setConfig({ testTimeout: 120_000 });

const WINDOW_SECONDS = 1;

const local = useLocalRuntime({ env: { EDIT_WINDOW_SECONDS: String(WINDOW_SECONDS) } });

describe('the edit window', () => {
  it('refuses EDIT and DELETE once the window has passed, and the pointer expires with it', async () => {
    const { alice, bob } = await local.pair();
    expect(await alice.client.request(`SEND ${bob.name} cepat`)).toMatchObject({ status: 'OK' });
    const id = String((await bob.client.nextPush()).id);
    const ref = await seeder().get(keys.messageRef(id));
    expect(ref).toMatchObject({ from: alice.name.toLowerCase(), kind: 'MESSAGE' });
    expect(Number(ref?.expiresAt)).toBe(Math.floor((idTime(id) + WINDOW_SECONDS * 1000 + 3600_000) / 1000));

    const after = idTime(id) + WINDOW_SECONDS * 1000 + 200;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, after - Date.now())));
    expect(await alice.client.request(`EDIT ${id} telat`)).toEqual({
      status: 'ERROR',
      data: 'pesan tidak diubah',
      reason: 'too_late',
    });
    expect(await alice.client.request(`DELETE ${id}`)).toEqual({
      status: 'ERROR',
      data: 'pesan tidak dihapus',
      reason: 'too_late',
    });
    const page = await bob.client.request(`HISTORY ${alice.name}`);
    expect((page.data as { message?: string }[])[0]?.message).toBe('cepat');
  });
});
