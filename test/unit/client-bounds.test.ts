/** The terminal client checks the protocol's bounds before sending; its copy must say what the server enforces. */
import { describe, expect, it } from 'vitest';
import { BOUNDS } from '../../cli/commands.js';
import { LIMITS } from '../../shared/protocol/validation.js';

describe("the terminal client's bounds", () => {
  it("are the server's (shared/protocol/validation.ts), number for number", () => {
    for (const [name, value] of Object.entries(BOUNDS))
      expect(value, name).toBe(LIMITS[name as keyof typeof LIMITS]);
  });
});
