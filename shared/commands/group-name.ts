/** The parameter shape of every group command: exactly one group name. */
import { splitParams } from '../protocol/codec.js';
import { isGroupName } from '../protocol/validation.js';

export function parseGroupName(rest: string): { name: string } | undefined {
  const [name] = splitParams(rest, 1) ?? [];
  return name !== undefined && isGroupName(name) ? { name } : undefined;
}
