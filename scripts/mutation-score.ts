/**
 * `npm run mutation:score [-- folder]`: the mutation score per folder from the results Stryker has kept
 * (reports/stryker-incremental.json), for `shared/` unless told otherwise. The file holds every mutant tested so far,
 * also by a run that was stopped (Stryker writes it on SIGTERM), so this is what is known, not a fresh run; it says
 * how many mutants it knows of, to compare with the total Stryker logs when it instruments the code.
 */
import { readFileSync } from 'node:fs';

type Status = 'Killed' | 'Timeout' | 'Survived' | 'NoCoverage' | 'Ignored' | 'CompileError' | 'RuntimeError';
interface Report {
  files: Record<string, { mutants: { status: Status }[] }>;
}

const prefix = process.argv[2] ?? 'shared/';
const report = JSON.parse(readFileSync('reports/stryker-incremental.json', 'utf8')) as Report;

interface Tally {
  detected: number;
  survived: number;
  noCoverage: number;
  ignored: number;
}
const empty = (): Tally => ({ detected: 0, survived: 0, noCoverage: 0, ignored: 0 });
const byFolder = new Map<string, Tally>();
const total = empty();

for (const [file, { mutants }] of Object.entries(report.files)) {
  if (!file.startsWith(prefix)) continue;
  const folder = file.split('/').slice(0, -1).join('/');
  const tally = byFolder.get(folder) ?? empty();
  byFolder.set(folder, tally);
  for (const { status } of mutants) {
    for (const t of [tally, total]) {
      if (status === 'Killed' || status === 'Timeout') t.detected++;
      else if (status === 'Survived') t.survived++;
      else if (status === 'NoCoverage') t.noCoverage++;
      else t.ignored++;
    }
  }
}

const percent = (part: number, whole: number) =>
  whole === 0 ? '—' : `${((100 * part) / whole).toFixed(1)} %`;
const row = (name: string, t: Tally) => {
  const valid = t.detected + t.survived + t.noCoverage;
  return `| ${name} | ${percent(t.detected, valid)} | ${percent(t.detected, t.detected + t.survived)} | ${t.detected} | ${t.survived} | ${t.noCoverage} | ${t.ignored} |`;
};

console.log('| folder | score | of covered | killed + timeout | survived | no coverage | ignored |');
console.log('|---|---|---|---|---|---|---|');
for (const [folder, tally] of [...byFolder].sort(([a], [b]) => a.localeCompare(b)))
  console.log(row(`\`${folder}/\``, tally));
console.log(row(`**all of \`${prefix}\`**`, total));
console.log(`\n${total.detected + total.survived + total.noCoverage + total.ignored} mutants known.`);
