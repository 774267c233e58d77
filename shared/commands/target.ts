/** The shared parameter shape of SEND and SEND_GROUP: a name, then the message as the rest of the line. */
import { charLength, splitParams } from '../protocol/codec.js';
import { CommandError } from '../protocol/replies.js';
import { isGroupName, isText, isUsername, LIMITS } from '../protocol/validation.js';

export function parseTarget(rest: string, kind: 'user' | 'group') {
  const params = splitParams(rest, 2, true);
  if (!params) return;
  const [target, message] = params;
  if (!(kind === 'user' ? isUsername(target) : isGroupName(target))) return;
  if (charLength(message) > LIMITS.messageMax) throw new CommandError('too_large');
  if (!isText(message, LIMITS.messageMax)) return;
  return { target, message };
}
