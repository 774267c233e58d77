/** The parameter shapes of group commands: one group name; or a group name and a username (owner commands). */
import { splitParams } from '../protocol/codec.js';
import { isGroupName, isUsername } from '../protocol/validation.js';

export function parseGroupName(rest: string): { name: string } | undefined {
  const params = splitParams(rest, 1);
  return params && isGroupName(params[0]) ? { name: params[0] } : undefined;
}

/** `grup pengguna`: GROUP_INVITE, GROUP_KICK, GROUP_OWNER. */
export function parseGroupUser(rest: string): { name: string; user: string } | undefined {
  const params = splitParams(rest, 2);
  if (!params) return;
  const [name, user] = params;
  return isGroupName(name) && isUsername(user) ? { name, user } : undefined;
}
