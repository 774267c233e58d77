/** REGISTER username password negara nama — creates an account; nama is the rest of the line. */
import { hashPassword } from '../auth/password.js';
import { createUser } from '../data/users.js';
import { requireAddressBudget } from '../limits/addresses.js';
import { withHashSlot } from '../limits/in-flight.js';
import { splitParams } from '../protocol/codec.js';
import { userKeyOf } from '../protocol/names.js';
import { CommandError, ok } from '../protocol/replies.js';
import { isCountry, isPassword, isText, isUsername, LIMITS } from '../protocol/validation.js';
import { defineCommand } from './command.js';

export const register = defineCommand({
  failure: 'registrasi gagal',
  parse(rest) {
    const params = splitParams(rest, 4, true);
    if (!params) return;
    const [username, password, country, name] = params;
    if (
      !isUsername(username) ||
      !isPassword(password) ||
      !isCountry(country) ||
      !isText(name, LIMITS.nameMax)
    )
      return;
    return { username, password, country, name };
  },
  async run({ username, password, country, name }, ctx) {
    // Counted per source address before the expensive hash: many connections from one address share it.
    await requireAddressBudget('register', ctx.sourceIp, ctx.now);
    // At most a few hashes at once per address (shared/limits/in-flight.ts).
    const passwordHash = await withHashSlot(ctx.sourceIp, ctx.now, () => hashPassword(password));
    const createdAt = new Date(ctx.now).toISOString();
    if (
      !(await createUser(userKeyOf(username), { username, passwordHash, country, name, createdAt }, ctx.now))
    ) {
      throw new CommandError('username_taken');
    }
    return ok('registrasi berhasil');
  },
});
