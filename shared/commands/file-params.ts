/**
 * The parameters of SEND_FILE and SEND_GROUP_FILE: a target, a file name, and optionally the file's bytes in
 * base64 (standard alphabet, padding optional). Without bytes the command starts an upload instead.
 */
import { decodeBase64, INLINE_MAX_BYTES, isFilename } from '../files/names.js';
import { splitParams } from '../protocol/codec.js';
import { CommandError } from '../protocol/replies.js';
import { isGroupName, isUsername } from '../protocol/validation.js';

export const FILE_FAILURE = 'file tidak terkirim';

export function parseFileParams(rest: string, kind: 'user' | 'group') {
  const params = splitParams(rest, 3) ?? splitParams(rest, 2);
  if (!params) return;
  const [target, filename, content] = params;
  if (!(kind === 'user' ? isUsername(target) : isGroupName(target)) || !isFilename(filename)) return;
  if (content === undefined) return { target, filename, bytes: undefined };
  const bytes = decodeBase64(content);
  if (!bytes) return;
  if (bytes.length > INLINE_MAX_BYTES) throw new CommandError('too_large');
  return { target, filename, bytes };
}
