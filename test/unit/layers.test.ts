/**
 * shared/ is built in floors (docs/DATA_MODEL.md, "Where the rules live"), read from the imports: no two files, and
 * no two rooms (folders), import each other, even through others; storage (shared/data/) imports only its own files
 * and the ground floor; and every Lambda entry that pushes loads the login room, which is what hands a 410 to the
 * departure.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { circles, importGraph, reach, roomGraph } from '../support/imports.js';

const root = new URL('../../', import.meta.url).pathname;
const graph = importGraph(root, ['shared', 'lambdas']);
const shared = new Map([...graph].filter(([file]) => file.startsWith('shared/')));

/** What storage may import besides its own files. */
const GROUND = /^shared\/(config|ids|concurrency|log)\.ts$|^shared\/protocol\//;

describe('the layers of shared/', () => {
  it('have no circle of files', () => {
    expect(circles(shared)).toEqual([]);
  });

  it('have no circle of rooms: no import runs back up a floor', () => {
    expect(circles(roomGraph(shared))).toEqual([]);
  });

  it('keep storage on the ground: shared/data/ imports only itself and the ground floor', () => {
    const upward = [...shared]
      .filter(([file]) => file.startsWith('shared/data/'))
      .flatMap(([file, targets]) =>
        [...targets]
          .filter((to) => to.startsWith('shared/') && !to.startsWith('shared/data/') && !GROUND.test(to))
          .map((to) => `${file} -> ${to}`),
      );
    expect(upward).toEqual([]);
  });

  it('open the table only in shared/data/: elsewhere the table module gives epochSeconds and types, never a request', () => {
    const IMPORT = /import\s+(type\s+)?\{([^}]*)\}\s+from\s+'([^']+)'/g;
    const opened = [...graph.keys()]
      .filter((file) => !file.startsWith('shared/data/'))
      .flatMap((file) =>
        [...readFileSync(`${root}${file}`, 'utf8').matchAll(IMPORT)].flatMap(
          ([, onlyTypes, names = '', from = '']) => {
            if (from.endsWith('/data/client.js')) return [`${file}: the client`];
            if (!from.endsWith('/data/table.js') || onlyTypes) return [];
            return names
              .split(',')
              .map((name) => name.trim())
              .filter((name) => name !== '' && !name.startsWith('type ') && name !== 'epochSeconds')
              .map((name) => `${file}: ${name}`);
          },
        ),
      );
    expect(opened).toEqual([]);
  });

  it('load the login room in every Lambda entry that pushes', () => {
    const entries = readdirSync(`${root}lambdas`).filter((name) => name.endsWith('.ts'));
    const pushing = entries
      .map((name) => `lambdas/${name}`)
      .filter((entry) => reach(graph, entry).has('shared/push/deliver.ts'));
    expect(pushing.length).toBeGreaterThan(0);
    expect(pushing.filter((entry) => !reach(graph, entry).has('shared/login/index.ts'))).toEqual([]);
  });
});
