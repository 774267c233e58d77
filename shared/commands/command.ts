/** The shape of one command: how it reads its parameters (pure) and what it does with them. */
import type { Reply } from '../protocol/replies.js';
import type { CommandContext } from './context.js';

export interface Command<P = unknown> {
  /** The command's own failure string from the spec, used for every failure it answers. */
  readonly failure: string;
  /** Pure: the parameters, or undefined for a malformed request (answered with reason `bad_request`). */
  parse(rest: string): P | undefined;
  run(params: P, ctx: CommandContext): Promise<Reply>;
}

export function defineCommand<P>(command: Command<P>): Command<P> {
  return command;
}
