/** The benchmark's output: markdown tables with every figure beside its target, and an SVG latency chart. */
import type { ColdStartResult } from './coldstart.js';
import type { CommandResult } from './commands.js';
import type { CostLine } from './cost.js';
import { AWS_MS_PER_ROUND, CONNECTION_MINUTES_PER_MESSAGE, DEFAULT_ROUTE_MEMORY_MB } from './cost.js';
import type { FairnessResult } from './fairness.js';
import { floorOf } from './floors.js';
import type { FanOutResult, PrivateLoadResult } from './load.js';
import { PRICES } from './prices.js';
import { fmt, median } from './stats.js';

export interface Verdict {
  target: string;
  figure: string;
  met: boolean;
}

export interface Machine {
  cores: number;
  cpu: string;
  node: string;
  platform: string;
}

const yes = (met: boolean) => (met ? 'met' : '**missed**');

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export function commandTable(results: readonly CommandResult[]): string {
  return table(
    [
      'command',
      'DynamoDB requests',
      'reads / writes',
      'RRU / WRU',
      'Scan',
      'S3',
      '@connections',
      'critical path: rounds (chain)',
      'floor: requests / rounds (of which security)',
      'local ms',
      'requests made',
    ],
    results.map((r) => [
      r.name,
      `${r.counts.dynamodb}${r.countsVary ? ' (varies)' : ''}`,
      `${r.counts.reads} / ${r.counts.writes}`,
      `${fmt(r.counts.readUnits)} / ${fmt(r.counts.writeUnits)}`,
      String(r.counts.scans),
      String(r.counts.s3),
      String(r.counts.apigw),
      `${fmt(r.rounds)} (${r.chain})`,
      floorCell(r.name),
      fmt(r.latencyMs),
      r.counts.ops || '—',
    ]),
  );
}

function floorCell(name: string): string {
  const f = floorOf(name);
  if (!f) return '—';
  const s = f.security;
  return `${f.requests} / ${f.rounds}${s.requests > 0 ? ` (${s.requests} / ${s.rounds})` : ''}`;
}

/** Each command's floor and why, with the part the security guarantees force (bench/floors.ts). */
export function floorTable(results: readonly CommandResult[]): string {
  return table(
    ['command', 'measured: AWS requests / chain', 'floor: requests / rounds', 'of which security', 'why'],
    results.flatMap((r) => {
      const f = floorOf(r.name);
      if (!f) return [];
      const requests = r.counts.dynamodb + r.counts.s3 + r.counts.sqs + r.counts.apigw;
      return [
        [
          r.name,
          `${requests} / ${r.chain}`,
          `${f.requests} / ${f.rounds}`,
          f.security.requests > 0 ? `${f.security.requests} / ${f.security.rounds}: ${f.security.what}` : '—',
          f.why,
        ],
      ];
    }),
  );
}

export function fairnessTable(f: FairnessResult): string {
  return table(
    [`bystander AUTH (from ${f.bystanderAddress})`, 'samples', 'p50 ms', 'p95 ms'],
    [
      ['idle', String(f.idle.samples), fmt(f.idle.p50), fmt(f.idle.p95)],
      [
        `while ${f.floodAddress} makes ${f.flood} AUTHs, ${f.floodConcurrency} at once (${f.floodRefused} refused; ${fmt(f.floodSeconds)} s)`,
        String(f.during.samples),
        fmt(f.during.p50),
        fmt(f.during.p95),
      ],
      ['ratio (p50 during / p50 idle; target ≤ 2×)', '', `**${fmt(f.ratio, 2)}×**`, ''],
    ],
  );
}

export function groupTable(groups: readonly CommandResult[]): string {
  const base = groups[0] as CommandResult;
  return table(
    [
      'SEND_GROUP',
      'DynamoDB requests',
      'reads (Query pages)',
      'writes',
      'RRU / WRU',
      'pushes',
      'rounds (chain)',
      'local ms',
      '× the smallest (requests)',
    ],
    groups.map((r) => [
      r.name.replace('SEND_GROUP, ', ''),
      String(r.counts.dynamodb),
      `${r.counts.reads} (${r.counts.queries})`,
      String(r.counts.writes),
      `${fmt(r.counts.readUnits)} / ${fmt(r.counts.writeUnits)}`,
      String(r.counts.pushes),
      `${fmt(r.rounds)} (${r.chain})`,
      fmt(r.latencyMs),
      fmt(r.counts.dynamodb / base.counts.dynamodb, 2),
    ]),
  );
}

export function costTable(lines: readonly CostLine[]): string {
  const usd = (v: number) => `$${v.toFixed(2)}`;
  return table(
    [
      'per million',
      'API GW msgs',
      'RRU / WRU',
      'Lambda ms',
      'API Gateway',
      'Lambda',
      'DynamoDB',
      'S3',
      'total',
      `total, +${AWS_MS_PER_ROUND} ms per round`,
    ],
    lines.map((l) => [
      l.label,
      fmt(l.usage.apiMessages, 1),
      `${fmt(l.usage.readUnits)} / ${fmt(l.usage.writeUnits)}`,
      fmt(l.usage.lambdaMs),
      usd(l.apiGateway),
      usd(l.lambda),
      usd(l.dynamodb),
      usd(l.s3),
      `**${usd(l.total)}**`,
      usd(l.totalAwsLatency),
    ]),
  );
}

export function coldStartTable(results: readonly ColdStartResult[]): string {
  return table(
    [
      'handler',
      'bundle KB',
      'floor KB',
      'import ms (median)',
      'floor ms',
      'ratio',
      'target ≤ 1.25×',
      'SDK in it',
    ],
    results.map((r) => [
      r.handler,
      fmt(r.bundleBytes / 1024, 0),
      fmt(r.floorBytes / 1024, 0),
      fmt(r.importMs),
      fmt(r.floorImportMs),
      `${fmt(r.ratio, 2)}×`,
      yes(r.ratio <= 1.25),
      r.sdkPackages.map((p) => p.replace('@aws-sdk/', '')).join(', '),
    ]),
  );
}

export function loadTable(load: PrivateLoadResult, fan: FanOutResult, machine: Machine): string {
  const l = load.pushLatency;
  const a = load.answerLatency;
  return table(
    ['figure', 'value', 'target'],
    [
      [
        'users × seconds (think time)',
        `${load.users} × ${fmt(load.seconds)} s (0–${2 * load.thinkMs} ms)`,
        '',
      ],
      [
        'sent / delivered',
        `${load.sent} / ${load.delivered}`,
        `${yes(load.sent === load.delivered)}: zero lost`,
      ],
      ['duplicates / failed answers', `${load.duplicates} / ${load.failed}`, ''],
      ['sent / delivered per second', `${fmt(load.sentPerSecond)} / ${fmt(load.deliveredPerSecond)}`, ''],
      [
        'send → push ms p50 / p95 / p99 / max',
        `${fmt(l.p50)} / ${fmt(l.p95)} / ${fmt(l.p99)} / ${fmt(l.max)}`,
        `p99 on ${machine.cores} cores`,
      ],
      [
        'send → answer ms p50 / p95 / p99 / max',
        `${fmt(a.p50)} / ${fmt(a.p95)} / ${fmt(a.p99)} / ${fmt(a.max)}`,
        '',
      ],
      [
        `SEND_GROUP to ${fan.members} members, all online: last member has it, ms (median of ${fan.lastMs.length})`,
        `${fmt(median(fan.lastMs))} (runs: ${fan.lastMs.map((v) => fmt(v, 0)).join(', ')})`,
        '',
      ],
      ['… answer to the sender, ms (median)', fmt(median(fan.answerMs)), ''],
      ['… members that never got it', String(fan.lost), `${yes(fan.lost === 0)}: zero lost`],
    ],
  );
}

export function verdictTable(verdicts: readonly Verdict[]): string {
  return table(
    ['target', 'measured', ''],
    verdicts.map((v) => [v.target, v.figure, yes(v.met)]),
  );
}

export function header(machine: Machine, settings: Record<string, unknown>): string {
  return [
    `Machine: ${machine.cores} cores, ${machine.cpu}, Node ${machine.node}, ${machine.platform}.`,
    `Settings: ${Object.entries(settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}.`,
    `Prices: ${PRICES.region}, taken ${PRICES.takenOn} (bench/prices.ts); $default at ${DEFAULT_ROUTE_MEMORY_MB} MB arm64; ` +
      `${CONNECTION_MINUTES_PER_MESSAGE} connection minute per message assumed.`,
  ].join('\n');
}

/** A CDF of latencies on a log axis: one line per series. */
export function latencySvg(
  series: ReadonlyArray<{ label: string; color: string; samples: readonly number[] }>,
) {
  const W = 760;
  const H = 420;
  const m = { left: 60, right: 20, top: 40, bottom: 50 };
  const all = series.flatMap((s) => s.samples).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.max(0.1, Math.min(...all))));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all)));
  const x = (v: number) =>
    m.left +
    ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) *
      (W - m.left - m.right);
  const y = (q: number) => m.top + (1 - q) * (H - m.top - m.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">obrol local runtime: latency distribution (CDF, log scale)</text>`,
  ];
  for (let decade = lo; decade <= hi; decade *= 10) {
    for (const k of [1, 2, 5]) {
      const v = decade * k;
      if (v > hi) break;
      parts.push(
        `<line x1="${x(v)}" y1="${y(0)}" x2="${x(v)}" y2="${y(1)}" stroke="#ddd"/>`,
        `<text x="${x(v)}" y="${y(0) + 16}" text-anchor="middle">${v >= 1 ? v : v.toFixed(1)}</text>`,
      );
    }
  }
  for (const q of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${m.left}" y1="${y(q)}" x2="${W - m.right}" y2="${y(q)}" stroke="#eee"/>`,
      `<text x="${m.left - 6}" y="${y(q) + 4}" text-anchor="end">${Math.round(q * 100)}%</text>`,
    );
  }
  parts.push(
    `<line x1="${m.left}" y1="${y(0.99)}" x2="${W - m.right}" y2="${y(0.99)}" stroke="#f99" stroke-dasharray="4 3"/>`,
    `<text x="${W - m.right - 4}" y="${y(0.99) + 14}" text-anchor="end" fill="#c33">p99</text>`,
  );
  parts.push(
    `<text x="${W / 2}" y="${H - 12}" text-anchor="middle">milliseconds</text>`,
    `<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">share of messages at or below</text>`,
  );
  series.forEach((s, i) => {
    const sorted = [...s.samples].sort((a, b) => a - b);
    const step = Math.max(1, Math.floor(sorted.length / 600));
    const points: string[] = [];
    for (let j = 0; j < sorted.length; j += step)
      points.push(`${x(sorted[j] as number).toFixed(1)},${y((j + 1) / sorted.length).toFixed(1)}`);
    if (sorted.length) points.push(`${x(sorted.at(-1) as number).toFixed(1)},${y(1).toFixed(1)}`);
    parts.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points.join(' ')}"/>`,
      `<rect x="${m.left + 10}" y="${m.top + 8 + i * 18}" width="12" height="3" fill="${s.color}"/>`,
      `<text x="${m.left + 28}" y="${m.top + 13 + i * 18}">${s.label} (n=${sorted.length})</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
