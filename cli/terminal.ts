/**
 * The terminal: lines out on stdout (keeping the prompt and what is being typed intact when a push arrives),
 * notices and failures on stderr, a progress bar on stderr when it is a terminal, and hidden password input.
 */
import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';
import { type Style, styleFor } from './format.js';

/** stdout, with a switch that swallows what readline echoes while a password is typed. */
class MutableOutput extends Writable {
  muted = false;
  readonly isTTY = true;
  constructor(private readonly target: NodeJS.WriteStream) {
    super();
    target.on('resize', () => this.emit('resize'));
  }
  get columns(): number {
    return this.target.columns;
  }
  get rows(): number {
    return this.target.rows;
  }
  /**
   * Muted or not is decided when readline writes, not when the stream gets round to the chunk: a Writable queues a
   * write that comes while an earlier one is under way, and a queued echo of a password reached the screen after the
   * question had ended and unmuted (seen once, under load, in the terminal suite).
   */
  // biome-ignore lint/suspicious/noExplicitAny: Writable.write's overloads.
  override write(chunk: any, encoding?: any, callback?: any): boolean {
    if (!this.muted) return super.write(chunk, encoding, callback);
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') process.nextTick(done);
    return true;
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.target.write(chunk);
    done();
  }
}

export class Terminal {
  readonly style: Style;
  readonly errStyle: Style;
  private readonly rl: Interface | undefined;
  private readonly output: MutableOutput | undefined;
  private progressShown = false;
  /** The line editor was closed (Ctrl-C, Ctrl-D, /quit): no more prompts. */
  private editing = false;

  /** Tab completion (set by the session); until then Tab completes nothing and never inserts a tab. */
  completer: (line: string) => [string[], string] = (line) => [[], line];
  /** Called as the person types (not while a password is typed), with the line so far. */
  onTyping: (line: string) => void = () => undefined;

  /** `interactive`: stdin and stdout are terminals and no --script: a prompt and line editing. */
  constructor(readonly interactive: boolean) {
    this.style = styleFor(process.stdout.isTTY, process.env);
    this.errStyle = styleFor(process.stderr.isTTY, process.env);
    if (interactive) {
      this.output = new MutableOutput(process.stdout);
      this.rl = createInterface({
        input: process.stdin,
        output: this.output,
        terminal: true,
        historySize: 200,
        completer: (line: string) => this.completer(line),
      });
      this.rl.setPrompt('> ');
      this.editing = true;
      this.rl.on('close', () => {
        this.editing = false;
      });
      // readline turns stdin's bytes into keypress events; after each, its line holds what was typed so far.
      process.stdin.on('keypress', () => {
        const rl = this.rl;
        if (rl && this.editing && !this.output?.muted) setImmediate(() => this.onTyping(rl.line));
      });
    }
  }

  /** The typed lines (interactive), or undefined. */
  get readline(): Interface | undefined {
    return this.rl;
  }

  setPrompt(text: string): void {
    this.rl?.setPrompt(text);
  }

  prompt(): void {
    if (this.editing) this.rl?.prompt();
  }

  /** One line on stdout; at a prompt, the line being typed is redrawn below it. */
  print(line: string): void {
    this.write(process.stdout, line);
  }

  /** One line on stderr. */
  notice(line: string): void {
    this.write(process.stderr, line);
  }

  /** Redraws the progress bar in place (stderr terminals only; elsewhere progress is not shown). */
  progress(text: string): void {
    if (!process.stderr.isTTY) return;
    process.stderr.write(`\r${text}\x1b[K`);
    this.progressShown = true;
  }

  endProgress(): void {
    if (!this.progressShown) return;
    process.stderr.write('\n');
    this.progressShown = false;
  }

  /** Asks for a password without echoing it, and keeps it out of the line history. */
  askHidden(question: string): Promise<string> {
    const rl = this.rl;
    const output = this.output;
    if (!rl || !output) return Promise.reject(new Error('hidden input needs a terminal'));
    return new Promise((resolve, reject) => {
      process.stdout.write(question);
      output.muted = true;
      // Ctrl-C or Ctrl-D at the question closes the line editor: the command is cancelled, not left hanging.
      const cancelled = () => {
        output.muted = false;
        reject(new Error('cancelled'));
      };
      rl.once('close', cancelled);
      rl.question('', (answer) => {
        rl.off('close', cancelled);
        output.muted = false;
        process.stdout.write('\n');
        const history = (rl as unknown as { history?: string[] }).history;
        if (history && history[0] === answer) history.shift();
        resolve(answer);
      });
    });
  }

  /** The terminal bell (a DM or a mention), on a terminal only. */
  bell(): void {
    if (this.interactive && this.editing) process.stdout.write('\x07');
  }

  close(): void {
    this.rl?.close();
  }

  private write(stream: NodeJS.WriteStream, line: string): void {
    if (this.progressShown) this.endProgress();
    if (this.rl && this.editing && !this.output?.muted) {
      process.stdout.write('\r\x1b[K');
      stream.write(`${line}\n`);
      this.rl.prompt(true);
    } else {
      stream.write(`${line}\n`);
    }
  }
}
