/** The scale bench's markdown tables. */
import type { Counts } from '../instrument.js';
import { fmt } from '../stats.js';
import type { CatchUpResult } from './catch-up.js';
import type { OfflineResult } from './offline.js';
import type { ScanResult } from './scan-baseline.js';
import type { SendGroupResult } from './send-group.js';

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

const n = (value: number) => value.toLocaleString('en-US');
const ms = (value: number) => (Number.isFinite(value) ? n(Math.round(value)) : 'n/a');
const units = (c: Counts) => `${fmt(c.readUnits)} / ${fmt(c.writeUnits)}`;
const failed = (failures: readonly string[]) =>
  failures.length === 0 ? 'none' : `**${failures.join('; ')}**`;

function ops(byOp: Record<string, number>): string {
  return Object.entries(byOp)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, count]) => `${n(count)} ${op.replace(/^[a-z]+:/, '')}`)
    .join(', ');
}

export function sendGroupTable(rows: readonly SendGroupResult[]): string {
  return table(
    [
      'members',
      'online',
      'devices pushed',
      'DynamoDB / SQS / @connections requests',
      'requests by operation',
      'RRU / WRU',
      'largest item written',
      'answer ms',
      'last online member ms',
      'real member ms',
      'failures',
    ],
    rows.map((r) => [
      n(r.members),
      `${r.onlinePercent}%`,
      n(r.recipients),
      `${n(r.counts.dynamodb)} / ${n(r.counts.sqs)} / ${n(r.counts.apigw)}`,
      ops(r.byOp),
      units(r.counts),
      r.largest ? `${n(r.largest.bytes)} B (${r.largest.kind})` : '—',
      ms(r.answerMs),
      ms(r.lastMs),
      ms(r.realMs),
      failed(r.failures),
    ]),
  );
}

export function catchUpTable(rows: readonly CatchUpResult[]): string {
  return table(
    [
      'group size',
      'groups × waiting',
      'RRU / WRU',
      'DynamoDB / SQS / @connections requests',
      'requests by operation',
      'AUTH answer ms',
      'last waiting message ms',
      'CAUGHT_UP ms',
      'frames (largest)',
      'failures',
    ],
    rows.map((r) => [
      n(r.groupSize),
      `${r.shape.groups} × ${n(r.shape.messages)} = ${n(r.waiting)}`,
      units(r.counts),
      `${n(r.counts.dynamodb)} / ${n(r.counts.sqs)} / ${n(r.counts.apigw)}`,
      ops(r.byOp),
      ms(r.answerMs),
      r.waiting === 0 ? '—' : ms(r.lastMs),
      ms(r.caughtUpMs),
      `${n(r.frames)} (${n(r.largestFrame)} B)`,
      failed(r.failures),
    ]),
  );
}

export interface OfflineTotals {
  offline: number;
  total: number;
  perMemberWru: number;
  messageWru: number;
}

export function offlineTotals(r: OfflineResult): OfflineTotals {
  const offline = r.members - 1;
  return {
    offline,
    perMemberWru: r.perMember.writeUnits,
    messageWru: r.perMember.writeUnits - r.perBaseline.writeUnits,
    total: r.send.writeUnits + offline * r.perMember.writeUnits,
  };
}

export function offlineTable(r: OfflineResult, oldFigure: number): string {
  const t = offlineTotals(r);
  const half = Math.floor(r.members / 2);
  return table(
    ['what', 'RRU', 'WRU', 'requests'],
    [
      [
        `SEND_GROUP to ${n(r.members)} members, all offline but the sender`,
        fmt(r.send.readUnits),
        fmt(r.send.writeUnits),
        `${r.send.dynamodb} DynamoDB, ${r.send.sqs} SQS, ${r.send.apigw} @connections`,
      ],
      [
        `one offline member's login that delivers it ($connect + AUTH + catch-up), mean of ${r.sample}`,
        fmt(r.perMember.readUnits, 2),
        fmt(r.perMember.writeUnits, 2),
        `${fmt(r.perMember.dynamodb, 1)} DynamoDB, ${fmt(r.perMember.sqs, 1)} SQS, ${fmt(r.perMember.apigw, 1)} @connections`,
      ],
      [
        `the same login with nothing waiting (joined after the message), mean of ${r.baselineSample}`,
        fmt(r.perBaseline.readUnits, 2),
        fmt(r.perBaseline.writeUnits, 2),
        `${fmt(r.perBaseline.dynamodb, 1)} DynamoDB, ${fmt(r.perBaseline.sqs, 1)} SQS, ${fmt(r.perBaseline.apigw, 1)} @connections`,
      ],
      [
        'what the message itself adds per member (difference)',
        fmt(r.perMember.readUnits - r.perBaseline.readUnits, 2),
        fmt(t.messageWru, 2),
        '',
      ],
      [
        `**total for all ${n(t.offline)} offline members** (send + ${n(t.offline)} × login, extrapolated from ${r.sample})`,
        fmt(r.send.readUnits + t.offline * r.perMember.readUnits, 0),
        `**${fmt(t.total, 0)}**`,
        '',
      ],
      [
        `the message's own share for all of them (send + ${n(t.offline)} × difference)`,
        '',
        fmt(r.send.writeUnits + t.offline * t.messageWru, 0),
        '',
      ],
      [
        `same at ${n(half)} offline (half the group), against the old O(P²) ≈ ${n(oldFigure)} WRU`,
        '',
        `${fmt(r.send.writeUnits + half * r.perMember.writeUnits, 0)} (logins included) / ${fmt(r.send.writeUnits + half * t.messageWru, 0)} (the message's share)`,
        '',
      ],
      ['failures', '', '', failed(r.failures)],
    ],
  );
}

export function scanTable(scans: readonly ScanResult[], sends: readonly SendGroupResult[]): string {
  return table(
    [
      'connections / members',
      'aws-samples Scan RRU: first page / all pages (pages)',
      'obrol SEND_GROUP RRU at 1% online (devices)',
      'obrol reads by operation',
      'obrol / aws-samples (first page)',
    ],
    scans.map((s) => {
      const o = sends.find((r) => r.members === s.connections && r.onlinePercent === 1);
      const reads = o
        ? Object.fromEntries(
            Object.entries(o.byOp).filter(([op]) => /:(GetItem|Query|Scan|BatchGetItem)$/.test(op)),
          )
        : {};
      return [
        n(s.connections),
        `${fmt(s.firstPageRru)} / ${fmt(s.allPagesRru)} (${s.pages})${s.measured ? '' : ' computed'}`,
        o ? `${fmt(o.counts.readUnits)} (${n(o.recipients + 1)})` : 'not run',
        o ? ops(reads) : '—',
        o ? `${fmt(o.counts.readUnits / s.firstPageRru, 2)}×` : '—',
      ];
    }),
  );
}
