/**
 * s3rver's file store, made to hold every key S3 holds and to fail a request rather than the process.
 *
 * s3rver keeps an object as files named after its key: `<segment>._S3rver_object` (and `…_metadata.json`,
 * `…_object.md5`) in folders named after the other segments. A file name holds at most 255 bytes on Linux and macOS,
 * so a key whose last segment had more than 233 bytes could not be written — and obrol's keys end with the
 * percent-encoded file name (`files/<id>/<name>`), up to 765 characters for a 255-byte name the protocol allows.
 * Worse, s3rver wrote the object through a stream without an error listener: the ENAMETOOLONG was an uncaught
 * exception, and `npm start` exited (issue 23).
 *
 * Two repairs, made once for the process on s3rver's FilesystemStore:
 *  - `encodeKeyPath` / `decodeKeyPath` (s3rver's own hooks, used for every path it makes and every key it lists)
 *    split a long segment into pieces of at most SEGMENT_BYTES bytes, each further piece a folder level down and
 *    marked with a leading `+`; a segment that itself begins with `+` or `=` is escaped with a leading `=`. So the
 *    mapping is one-to-one and listings give back the very keys stored;
 *  - `putObject` writes through a pipeline, so a failed write (a full disk, a permission) rejects, and s3rver answers
 *    500 InternalError to that request.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import FilesystemStore from 's3rver/lib/stores/filesystem.js';

/** Bytes of key per file or folder name: with s3rver's longest suffix (22 bytes) and the `+` well under 255. */
export const SEGMENT_BYTES = 200;

/** Splits text into pieces of at most `max` UTF-8 bytes, never inside a character. */
function pieces(text: string, max: number): string[] {
  const out: string[] = [];
  let piece = '';
  let bytes = 0;
  for (const c of text) {
    const size = Buffer.byteLength(c);
    if (bytes + size > max) {
      out.push(piece);
      piece = '';
      bytes = 0;
    }
    piece += c;
    bytes += size;
  }
  out.push(piece);
  return out;
}

function encodeSegment(segment: string): string {
  const escaped = segment.startsWith('+') || segment.startsWith('=') ? `=${segment}` : segment;
  if (Buffer.byteLength(escaped) <= SEGMENT_BYTES) return escaped;
  const [first = '', ...rest] = pieces(escaped, SEGMENT_BYTES);
  return [first, ...rest.map((piece) => `+${piece}`)].join('/');
}

/** An object key → the relative path s3rver stores it under (every file and folder name short enough). */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeSegment).join('/');
}

/** The inverse of `encodeKeyPath`. */
export function decodeKeyPath(path: string): string {
  const segments: string[] = [];
  for (const part of path.split('/')) {
    if (part.startsWith('+') && segments.length > 0) segments[segments.length - 1] += part.slice(1);
    else segments.push(part);
  }
  return segments.map((segment) => (segment.startsWith('=') ? segment.slice(1) : segment)).join('/');
}

interface StoredObject {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: Record<string, string>;
}

interface Store {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
}

async function putObject(this: Store, object: StoredObject): Promise<{ size: number; md5: string }> {
  const path = this.getResourcePath(object.bucket, object.key, 'object');
  await mkdir(dirname(path), { recursive: true });
  const hash = createHash('md5');
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
  await pipeline(source, count, createWriteStream(path));
  const md5 = hash.digest('hex');
  await this.putMetadata(object.bucket, object.key, object.metadata, md5);
  return { size, md5 };
}

let hardened = false;

/** Applies both repairs to s3rver's store (once; every s3rver in the process shares the class). */
export function hardenS3rverStore(): void {
  if (hardened) return;
  hardened = true;
  const store = FilesystemStore as unknown as {
    encodeKeyPath(key: string): string;
    decodeKeyPath(path: string): string;
    prototype: { putObject: typeof putObject };
  };
  const encode = store.encodeKeyPath.bind(store);
  const decode = store.decodeKeyPath.bind(store);
  // s3rver's own mapping (it escapes characters Windows refuses) stays, inside ours.
  store.encodeKeyPath = (key) => encodeKeyPath(encode(key));
  store.decodeKeyPath = (path) => decode(decodeKeyPath(path));
  store.prototype.putObject = putObject;
}
