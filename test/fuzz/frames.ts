/**
 * Fuzz frames: seed requests (every request line written in docs/PROTOCOL.md, and the same commands aimed at the
 * run's real users, groups and files), then mutated: byte flips, truncation, huge parameters, unicode, control
 * characters, tabs, runs of spaces, invalid UTF-8, binary frames, and now and then a frame over the 32 KB limit.
 */
import { readFileSync } from 'node:fs';
import type { Random } from './random.js';

export interface Frame {
  data: Buffer;
  binary: boolean;
  /** Over the 32 KB frame limit: the only frame the gateway may answer by closing (1009). */
  oversize: boolean;
}

export interface World {
  users: string[];
  password: string;
  groups: string[];
  fileIds: string[];
  messageIds: string[];
}

/** API Gateway's WebSocket frame limit: a client frame over it closes the connection (1009). */
export const FRAME_LIMIT = 32 * 1024;

/** Every backticked or headed request line in the protocol doc (`AUTH username password`, `GROUP_JOIN nama`…). */
export function docSeeds(protocolDoc: string): string[] {
  const seeds = new Set<string>();
  for (const m of protocolDoc.matchAll(/`([A-Z][A-Z_]{2,}(?: [^`\n]*)?)`/g)) if (m[1]) seeds.add(m[1]);
  for (const m of protocolDoc.matchAll(/^#{2,4} ([A-Z][A-Z_]{2,}[^\n*]*)/gm))
    if (m[1]) seeds.add(m[1].trim());
  return [...seeds];
}

export interface DocSeeds {
  /** Seeds that cost a password hash (AUTH, REGISTER, PASSWORD, DELETE_ACCOUNT) or end a login (LOGOUT): sent rarely. */
  costly: string[];
  cheap: string[];
}

const COSTLY = /^(AUTH|REGISTER|LOGOUT|PASSWORD|DELETE_ACCOUNT)\b/;

export function readDocSeeds(path: string): DocSeeds {
  const all = docSeeds(readFileSync(path, 'utf8'));
  return { costly: all.filter((s) => COSTLY.test(s)), cheap: all.filter((s) => !COSTLY.test(s)) };
}

/** Requests aimed at real names, so mutations reach the deep paths and not only the parser. */
function worldSeeds(r: Random, w: World): string[] {
  const user = r.pick(w.users);
  const group = r.pick(w.groups);
  const fileId = w.fileIds.length > 0 ? r.pick(w.fileIds) : '01ARZ3NDEKTSV4RRFFQ69G5FAV';
  const before = w.messageIds.length > 0 ? r.pick(w.messageIds) : '01ARZ3NDEKTSV4RRFFQ69G5FAV';
  return [
    `SEND ${user} halo apa kabar`,
    `SEND ${user} multi\nline\tmessage`,
    `SEND_GROUP ${group} rapat jam 3`,
    `SEND_FILE ${user} catatan.txt aGFsbw==`,
    `SEND_GROUP_FILE ${group} foto.png iVBORw0KGgo=`,
    `SEND_FILE ${user} laporan.pdf`,
    `SEND_GROUP_FILE ${group} video.mp4`,
    `FILE_URL ${fileId}`,
    `GROUP_CREATE ${group}`,
    `GROUP_JOIN ${group}`,
    `GROUP_MEMBERS ${group}`,
    `GROUP_MEMBERS ${group} ${user}`,
    'GROUPS',
    'INBOX',
    'PING',
    `HISTORY ${user}`,
    `HISTORY ${user} ${before}`,
    `GROUP_HISTORY ${group}`,
    `GROUP_HISTORY ${group} ${before}`,
    `GROUP_CREATE ${group} private`,
    `GROUP_INVITE ${group} ${user}`,
    `GROUP_KICK ${group} ${user}`,
    `GROUP_OWNER ${group} ${user}`,
  ];
}

/** Rare: each costs a password hash (about 0.1 s of CPU). */
function costlySeeds(r: Random, w: World, docs: DocSeeds): string[] {
  const user = r.pick(w.users);
  return [
    ...docs.costly,
    `AUTH ${user} ${w.password}`,
    `AUTH ${user} wrong-password`,
    `REGISTER ${user} ${w.password} Indonesia Nama Lengkap`,
    `GROUP_LEAVE ${r.pick(w.groups)}`,
    'LOGOUT',
  ];
}

const UNICODE = [
  'é',
  'ß',
  '😀',
  '👩‍👩‍👧',
  '中文',
  'العربية',
  '\u202E',
  '\u200B',
  '\uFEFF',
  '\u00AD',
  '\u0000',
  '\u0007',
  '\u001B[31m',
  '\u2028',
  '\u2029',
  '\uFFFD',
  '\uD800',
  '\uDFFF',
  '\u{10FFFF}',
  'İ',
  'ǅ',
  '%00',
  '%2e%2e%2f',
  '../',
  '\\',
  '"',
  "'",
  '{}',
  '[]',
  '$' + '{x}',
  '<script>',
  'null',
  'undefined',
  '__proto__',
  'constructor',
];
const SPACES = [' ', '  ', '\t', ' \t ', '\r', '\n', '\r\n', '\u00A0', '\u3000', ' '.repeat(1000)];

function huge(r: Random): string {
  // Mostly a few KB; now and then near the frame limit (those are stored and pushed in full: slow on dynalite).
  const size = r.chance(0.9) ? r.pick([300, 1024, 4096, 16_384]) : r.pick([65_536, 120_000]);
  const unit = r.pick(['a', 'Z9', '€', '😀', ' ', '\t', '%', '=', 'ab cd ']);
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

function replaceParam(text: string, r: Random, value: string): string {
  const parts = text.split(' ');
  const i = r.int(parts.length);
  parts[i] = value;
  return parts.join(' ');
}

function insertAt(text: string, r: Random, value: string): string {
  const i = r.int(text.length + 1);
  return text.slice(0, i) + value + text.slice(i);
}

/** One textual mutation of a request line. */
function mutateText(text: string, r: Random): string {
  switch (r.int(9)) {
    case 0:
      return text.slice(0, r.int(text.length + 1));
    case 1:
      return replaceParam(text, r, huge(r));
    case 2:
      return insertAt(text, r, r.pick(UNICODE));
    case 3:
      return replaceParam(text, r, r.pick(UNICODE));
    case 4:
      return text.replace(/ /g, () => r.pick(SPACES));
    case 5:
      return r.chance(0.5) ? text.toLowerCase() : `${r.pick(SPACES)}${text}${r.pick(SPACES)}`;
    case 6:
      return `${text} ${r.pick(UNICODE)} ${text}`;
    case 7:
      return insertAt(text, r, String.fromCharCode(r.int(32)));
    default:
      return text
        .split(' ')
        .slice(0, 1 + r.int(4))
        .join(r.pick(SPACES));
  }
}

const TAGS = ['#1', '#a-b_C', `#${'t'.repeat(32)}`, `#${'t'.repeat(33)}`, '#', '#a.b', '#ä', '##1', '#1#2'];

/** Byte-level mutations: flips, random bytes, invalid UTF-8 sequences. */
function mutateBytes(bytes: Buffer, r: Random): Buffer {
  const out = Buffer.from(bytes);
  const flips = 1 + r.int(4);
  for (let i = 0; i < flips && out.length > 0; i++) {
    const at = r.int(out.length);
    out[at] = (out[at] as number) ^ (1 << r.int(8));
  }
  if (r.chance(0.3)) {
    const bad = r.pick([
      [0xff],
      [0xc3, 0x28],
      [0xe2, 0x82],
      [0xf0, 0x28, 0x8c, 0xbc],
      [0xed, 0xa0, 0x80],
      [0xc0, 0xaf],
    ]);
    const at = r.int(out.length + 1);
    return Buffer.concat([out.subarray(0, at), Buffer.from(bad), out.subarray(at)]);
  }
  return out;
}

export function nextFrame(r: Random, world: World, docs: DocSeeds): Frame {
  const roll = r.next();
  if (roll < 0.0002) {
    return { data: Buffer.alloc(FRAME_LIMIT + 1 + r.int(1000), 0x41), binary: r.chance(0.5), oversize: true };
  }
  if (roll < 0.03) return { data: r.bytes(r.int(200)), binary: true, oversize: false };
  // Mostly frames the parser must refuse (cheap), many that reach the table (several ms each on dynalite), and
  // rarely those that hash a password.
  const seeds = r.chance(0.001)
    ? costlySeeds(r, world, docs)
    : r.chance(0.5)
      ? docs.cheap
      : worldSeeds(r, world);
  let text = r.pick(seeds);
  const rounds = r.chance(0.1) ? 0 : 1 + r.int(3);
  // Mutations can multiply the length (every space into a thousand): keep each round within one frame.
  for (let i = 0; i < rounds; i++) text = mutateText(text, r).slice(0, FRAME_LIMIT);
  // Request tags (docs/PROTOCOL.md, Request tags): valid ones, and near misses that must stay untagged.
  if (r.chance(0.2)) text = `${r.pick(TAGS)}${r.pick([' ', ' ', '  ', '\t'])}${text}`.slice(0, FRAME_LIMIT);
  let data: Buffer = Buffer.from(text, 'utf8');
  // Invalid UTF-8 goes in binary frames: a text frame that is not UTF-8 is a WebSocket protocol error (RFC 6455,
  // close 1007) that never reaches the service; a binary frame's bytes reach it as they are.
  let binary = r.chance(0.05);
  if (r.chance(0.15)) {
    data = mutateBytes(data, r);
    binary = true;
  }
  if (data.length > FRAME_LIMIT) {
    // Cut at the limit, maybe inside a character: only a binary frame may carry that.
    data = data.subarray(0, FRAME_LIMIT);
    binary = true;
  }
  return { data, binary, oversize: false };
}
