/**
 * The import graph of the project's own TypeScript (relative imports only), read from the source text: what
 * test/unit/layers.test.ts holds against the rule that shared/ is built in floors (docs/DATA_MODEL.md, "Where the
 * rules live").
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Every relative import of every .ts file under `dirs`, as paths relative to `root` (`shared/data/users.ts`). */
export function importGraph(root: string, dirs: readonly string[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const files = dirs.flatMap((dir) => tsFiles(join(root, dir)));
  for (const file of files) {
    const from = relative(root, file);
    const targets = new Set<string>();
    const text = readFileSync(file, 'utf8');
    // `import … from '…'`, `export … from '…'` and a bare `import '…'`; type-only imports count as well.
    for (const match of text.matchAll(/^\s*(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"](\.[^'"]+)['"]/gm)) {
      const spec = match[1] as string;
      targets.add(relative(root, resolve(dirname(file), spec.replace(/\.js$/, '.ts'))));
    }
    graph.set(from, targets);
  }
  return graph;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The circles of a graph: each a list of nodes that reach one another (strongly connected, more than one node). */
export function circles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (node: string) => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node) ?? []) {
      if (!graph.has(to)) continue;
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node) as number, low.get(to) as number));
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node) as number, index.get(to) as number));
    }
    if (low.get(node) === index.get(node)) {
      const part: string[] = [];
      let top: string;
      do {
        top = stack.pop() as string;
        onStack.delete(top);
        part.push(top);
      } while (top !== node);
      if (part.length > 1) found.push(part.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** The graph with each file replaced by its room: `shared/<folder>/` for a file in a folder, else the file itself. */
export function roomGraph(graph: ReadonlyMap<string, ReadonlySet<string>>): Map<string, Set<string>> {
  const roomOf = (file: string) => {
    const parts = file.split('/');
    return parts.length > 2 ? `${parts[0]}/${parts[1]}/` : file;
  };
  const rooms = new Map<string, Set<string>>();
  for (const [from, targets] of graph) {
    const room = roomOf(from);
    const set = rooms.get(room) ?? new Set<string>();
    for (const to of targets) if (roomOf(to) !== room) set.add(roomOf(to));
    rooms.set(room, set);
  }
  return rooms;
}

/** Every file `start` imports, directly or through others. */
export function reach(graph: ReadonlyMap<string, ReadonlySet<string>>, start: string): Set<string> {
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length > 0) {
    const file = todo.pop() as string;
    for (const to of graph.get(file) ?? []) {
      if (seen.has(to)) continue;
      seen.add(to);
      todo.push(to);
    }
  }
  return seen;
}
