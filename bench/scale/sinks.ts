/**
 * Two instruments the scale bench adds to the app's clients, beside the Recorder (bench/instrument.ts):
 *  - simulated devices: pushes to connection ids that start with SIMULATED are answered with success by a
 *    middleware on the @connections clients, after the Recorder's injected delay, without sending anything. At
 *    50,000 online members a 2-core machine cannot hold real WebSockets; their connection items are seeded as
 *    AUTH writes them, so the app cannot tell them apart until it posts. Real connections go through untouched.
 *  - item sizes: the DynamoDB size of every item a PutItem or BatchWriteItem writes, by the rules AWS bills by.
 */

/** Connection ids of seeded online devices start with this. */
export const SIMULATED = 'sim-';

// biome-ignore lint/suspicious/noExplicitAny: SDK middleware signatures are generic over every command.
type Middleware = any;
type AnyStack = {
  add(middleware: Middleware, options: object): void;
  addRelativeTo(middleware: Middleware, options: object): void;
};

export class PushSink {
  /** Pushes answered for simulated devices since the last reset. */
  count = 0;
  /** When the last of them was answered (performance.now()). */
  lastAt = 0;
  reset(): void {
    this.count = 0;
    this.lastAt = 0;
  }
}

/** Must be installed after Recorder.instrument on the same client: it runs inside the Recorder's count and delay. */
export function simulateDevices(client: { middlewareStack: AnyStack }, sink: PushSink): void {
  client.middlewareStack.addRelativeTo(
    // biome-ignore lint/suspicious/noExplicitAny: see AnyStack.
    (next: any, context: any) => async (args: any) => {
      const id = args.input?.ConnectionId;
      if (
        context.commandName !== 'PostToConnectionCommand' ||
        typeof id !== 'string' ||
        !id.startsWith(SIMULATED)
      )
        return next(args);
      sink.count++;
      sink.lastAt = performance.now();
      return { output: { $metadata: { httpStatusCode: 200 } }, response: { statusCode: 200, headers: {} } };
    },
    { relation: 'after', toMiddleware: 'benchCountAndDelay', name: 'benchSimulatedDevice' },
  );
}

type AttributeValue = Record<string, unknown>;

/** DynamoDB's size of a number: about one byte per two significant digits, plus one. */
function numberSize(n: string): number {
  const digits = n
    .replace(/^-/, '')
    .replace(/e.*$/i, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

export function valueSize(value: AttributeValue): number {
  const [type, v] = Object.entries(value)[0] ?? ['NULL', true];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(v), 'utf8');
    case 'N':
      return numberSize(String(v));
    case 'B':
      return (v as Uint8Array).length;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return (v as string[]).reduce((sum, s) => sum + Buffer.byteLength(s, 'utf8'), 0);
    case 'NS':
      return (v as string[]).reduce((sum, s) => sum + numberSize(s), 0);
    case 'L':
      return 3 + (v as AttributeValue[]).reduce((sum, e) => sum + 1 + valueSize(e), 0);
    case 'M':
      return 3 + itemSize(v as Record<string, AttributeValue>) + Object.keys(v as object).length;
    default:
      return 0;
  }
}

/** An item's size as DynamoDB counts it: attribute names plus values. */
export function itemSize(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value),
    0,
  );
}

export interface WrittenItem {
  bytes: number;
  /** The kind of item: its partition key's prefix and its sort key's (e.g. `GMSG#/MSG#`). */
  kind: string;
}

export class ItemSink {
  readonly written: WrittenItem[] = [];
  mark(): number {
    return this.written.length;
  }
  largestSince(mark: number): WrittenItem | undefined {
    let best: WrittenItem | undefined;
    for (const item of this.written.slice(mark)) if (!best || item.bytes > best.bytes) best = item;
    return best;
  }
}

function kindOf(item: Record<string, AttributeValue>): string {
  const prefix = (key: string) => {
    const text = String(item[key]?.S ?? '');
    const match = /^#?[A-Z]+#?/.exec(text);
    return match ? match[0] : text;
  };
  return `${prefix('pk')}/${prefix('sk')}`;
}

/** Records every item a PutItem or BatchWriteItem writes (after the document client has marshalled it). */
export function recordItemSizes(client: { middlewareStack: AnyStack }, sink: ItemSink): void {
  client.middlewareStack.add(
    // biome-ignore lint/suspicious/noExplicitAny: see AnyStack.
    (next: any, context: any) => async (args: any) => {
      const items: Record<string, AttributeValue>[] = [];
      if (context.commandName === 'PutItemCommand' && args.input?.Item) items.push(args.input.Item);
      if (context.commandName === 'BatchWriteItemCommand')
        for (const requests of Object.values(args.input?.RequestItems ?? {}) as {
          PutRequest?: { Item: never };
        }[][])
          for (const request of requests) if (request.PutRequest) items.push(request.PutRequest.Item);
      for (const item of items) sink.written.push({ bytes: itemSize(item), kind: kindOf(item) });
      return next(args);
    },
    { step: 'build', name: 'benchItemSizes', priority: 'high' },
  );
}
