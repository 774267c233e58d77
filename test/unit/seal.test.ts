/**
 * Sealing an upload when S3 answers a conditional copy with 409 ConditionalRequestConflict: S3 documents it for a
 * CopyObject with If-None-Match that raced another write to the same key, and says to retry. A retry either copies
 * (the other write failed) or gets 412 (it landed: the first seal wins). The S3 client is faked with an in-memory
 * bucket behind the SDK's middleware stack.
 */
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { answered, intercept } from '../support/fakes.js';

Object.assign(process.env, {
  AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
  TABLE_NAME: process.env.TABLE_NAME ?? 'seal-unit',
  BUCKET_NAME: 'seal-bucket',
});
const { s3 } = await import('../../shared/bucket/s3.js');
const { sealUpload, SEAL_COPY_ATTEMPTS } = await import('../../shared/files/seal.js');
const { FILES_PREFIX, UPLOADS_PREFIX } = await import('../../shared/files/prefixes.js');

const bucket = new Map<string, Buffer>();
/** Per destination key: what happens on each conflicting copy (a write that lands meanwhile, or nothing). */
const conflicts = new Map<string, (() => void)[]>();
let copies = 0;

const conflict = () =>
  Object.assign(new Error('A conflicting conditional operation is currently in progress'), {
    name: 'ConditionalRequestConflict',
    $metadata: { httpStatusCode: 409 },
  });

intercept(s3, 'seal-bucket', (next, context) => async (args) => {
  const input = args.input as Record<string, string>;
  switch (context.commandName) {
    case 'CopyObjectCommand': {
      copies++;
      const key = String(input.Key);
      const pending = conflicts.get(key);
      if (pending && pending.length > 0) {
        (pending.shift() as () => void)();
        throw conflict();
      }
      if (input.IfNoneMatch === '*' && bucket.has(key))
        throw Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
          name: 'PreconditionFailed',
          $metadata: { httpStatusCode: 412 },
        });
      const source = decodeURIComponent(String(input.CopySource).replace(/^seal-bucket\//, ''));
      const found = bucket.get(source);
      if (!found) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
      bucket.set(key, found);
      return answered();
    }
    case 'HeadObjectCommand':
      return answered({ ContentLength: bucket.get(String(input.Key))?.length });
    default:
      return next(args);
  }
});

beforeEach(() => {
  bucket.clear();
  conflicts.clear();
  copies = 0;
});

const upload = (id: string, bytes: string) => {
  bucket.set(`${UPLOADS_PREFIX}${id}/f.bin`, Buffer.from(bytes));
  return `${UPLOADS_PREFIX}${id}/f.bin`;
};

describe('sealing through a 409 ConditionalRequestConflict', () => {
  it('retries the copy when the conflicting write did not land, and seals the upload', async () => {
    const key = upload('A', 'abcd');
    conflicts.set(`${FILES_PREFIX}A/f.bin`, [() => {}]);
    expect(await sealUpload(key)).toEqual({ objectKey: `${FILES_PREFIX}A/f.bin`, size: 4 });
    expect(bucket.get(`${FILES_PREFIX}A/f.bin`)?.toString()).toBe('abcd');
    expect(copies).toBe(2);
  });

  it('keeps the sealed copy the conflicting write made (the retry gets 412): the first seal wins', async () => {
    const key = upload('B', 'second posting');
    conflicts.set(`${FILES_PREFIX}B/f.bin`, [
      () => bucket.set(`${FILES_PREFIX}B/f.bin`, Buffer.from('first')),
    ]);
    expect(await sealUpload(key)).toEqual({ objectKey: `${FILES_PREFIX}B/f.bin`, size: 5 });
    expect(bucket.get(`${FILES_PREFIX}B/f.bin`)?.toString()).toBe('first');
  });

  it('gives up after its attempts with the conflict, so the S3 event is retried later', async () => {
    const key = upload('C', 'x');
    conflicts.set(
      `${FILES_PREFIX}C/f.bin`,
      Array.from({ length: SEAL_COPY_ATTEMPTS }, () => () => {}),
    );
    await expect(sealUpload(key)).rejects.toMatchObject({ name: 'ConditionalRequestConflict' });
    expect(copies).toBe(SEAL_COPY_ATTEMPTS);
    expect(bucket.has(`${FILES_PREFIX}C/f.bin`)).toBe(false);
  });

  it('does not mistake a 409 for "already sealed": no HeadObject of a key nobody wrote', async () => {
    const key = upload('D', 'yz');
    conflicts.set(`${FILES_PREFIX}D/f.bin`, [() => {}, () => {}]);
    const sealed = await sealUpload(key);
    expect(sealed.size).toBe(2);
    expect(copies).toBe(3);
  });
});

describe('sealing under any interleaving of conflicting writes', () => {
  it('seals the first bytes to land (a prior seal, a concurrent write, or this copy), or fails loudly past its tries', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(fc.boolean(), { maxLength: SEAL_COPY_ATTEMPTS + 1 }),
        async (sealedBefore, conflictLands) => {
          const id = `P${++run}`;
          const sealed = `${FILES_PREFIX}${id}/f.bin`;
          const key = upload(id, 'this upload');
          if (sealedBefore) bucket.set(sealed, Buffer.from('earlier'));
          conflicts.set(
            sealed,
            conflictLands.map((lands) => () => {
              // A concurrent write that lands creates the key only if nobody did before (it is conditional too).
              if (lands && !bucket.has(sealed)) bucket.set(sealed, Buffer.from('concurrent'));
            }),
          );
          // Only the conflicts of the copies that were tried can land: one per try, at most SEAL_COPY_ATTEMPTS.
          const firstLanded = sealedBefore
            ? 'earlier'
            : conflictLands.slice(0, SEAL_COPY_ATTEMPTS).includes(true)
              ? 'concurrent'
              : undefined;
          const result = sealUpload(key, { retryBaseMs: 0 });
          if (conflictLands.length >= SEAL_COPY_ATTEMPTS) {
            await expect(result).rejects.toMatchObject({ name: 'ConditionalRequestConflict' });
            expect(bucket.get(sealed)?.toString()).toBe(firstLanded);
          } else {
            const winner = firstLanded ?? 'this upload';
            expect(await result).toEqual({ objectKey: sealed, size: winner.length });
            expect(bucket.get(sealed)?.toString()).toBe(winner);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
