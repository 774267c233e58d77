/**
 * Builds the web page (web/src) with esbuild: one minified JS bundle, one CSS file and index.html.
 * `buildPage()` returns the files in memory (the CDK stack deploys them from there); `writePage(dir)` writes them
 * (`npm start` serves web/dist, the browser tests a temporary folder). Run directly: `tsx web/build.ts [outDir]`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, 'src');

export interface PageFile {
  /** Path relative to the site root, e.g. `app.js`. */
  path: string;
  contents: string;
}

export function buildPage(): PageFile[] {
  const result = buildSync({
    entryPoints: { app: join(src, 'main.ts'), style: join(src, 'style.css') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
    outdir: '/out',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const files: PageFile[] = result.outputFiles.map((file) => ({
    path: file.path.replace(/^\/out\//, ''),
    contents: file.text,
  }));
  files.push({ path: 'index.html', contents: readFileSync(join(src, 'index.html'), 'utf8') });
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

export function writePage(outDir: string): PageFile[] {
  const files = buildPage();
  for (const file of files) {
    const target = join(outDir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.contents);
  }
  return files;
}

/** The folder `npm start` serves. */
export const DEFAULT_OUT_DIR = join(here, 'dist');

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = resolve(process.argv[2] ?? DEFAULT_OUT_DIR);
  const files = writePage(outDir);
  console.log(`web page built into ${outDir} (${files.map((f) => f.path).join(', ')})`);
}
