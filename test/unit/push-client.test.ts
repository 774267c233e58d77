/**
 * The @connections clients (shared/push/client.ts): where pushes go when CALLBACK_URL is not set (the request's own
 * domain and stage, as on AWS), one client per endpoint, and observers (the fault-injection hooks of the tests)
 * seeing every client, made before or after they subscribed.
 */
import { describe, expect, it } from 'vitest';

process.env.AWS_REGION = 'us-east-1';
process.env.TABLE_NAME = 'unit';
delete process.env.CALLBACK_URL;
const { callbackUrl, managementClient, onManagementClient } = await import('../../shared/push/client.js');

describe('@connections clients', () => {
  it("push to the request's own domain and stage", () => {
    expect(callbackUrl('abc.execute-api.eu-west-1.amazonaws.com', 'prod')).toBe(
      'https://abc.execute-api.eu-west-1.amazonaws.com/prod',
    );
    expect(() => callbackUrl(undefined, 'prod')).toThrow('CALLBACK_URL is not set');
    expect(() => callbackUrl('abc.example', undefined)).toThrow('CALLBACK_URL is not set');
    expect(() => callbackUrl('', '')).toThrow('CALLBACK_URL is not set');
  });

  it('are made once per endpoint, and shown to every observer', () => {
    const first = managementClient('http://127.0.0.1:1');
    expect(managementClient('http://127.0.0.1:1')).toBe(first);
    const seen: unknown[] = [];
    onManagementClient((client) => seen.push(client));
    expect(seen).toEqual([first]);
    const second = managementClient('http://127.0.0.1:2');
    expect(second).not.toBe(first);
    expect(seen).toEqual([first, second]);
    managementClient('http://127.0.0.1:2');
    expect(seen).toHaveLength(2);
  });
});
