/** The parameter shape of STATUS, TYPING and TYPING_GROUP: exactly one name of the given kind. */
import { splitParams } from '../protocol/codec.js';

export function parseOneName(rest: string, valid: (name: string) => boolean): { name: string } | undefined {
  const params = splitParams(rest, 1);
  return params && valid(params[0]) ? { name: params[0] } : undefined;
}
