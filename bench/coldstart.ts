/**
 * Cold start: each handler bundled as the CDK app deploys it (infra/function.ts: esbuild, ESM, minified, source
 * map, platform node, the createRequire banner), its size, and the median time to import it in fresh `node`
 * processes; beside a floor bundled the same way that holds only the AWS SDK clients the handler uses, built
 * (the app builds its clients at import) but never called.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { median } from './stats.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const HANDLERS = ['connect', 'disconnect', 'default', 'file-uploaded'] as const;

const BANNER =
  "import { createRequire as __obrolCreateRequire } from 'node:module'; const require = __obrolCreateRequire(import.meta.url);";

/** What a floor bundle does with each SDK package a handler pulls in. */
const FLOOR_PARTS: Record<string, { imports: string; uses: string }> = {
  '@aws-sdk/client-dynamodb': {
    imports: "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
    uses: 'const dynamo = new DynamoDBClient({ region: process.env.AWS_REGION }); keep.push(dynamo);',
  },
  '@aws-sdk/lib-dynamodb': {
    imports: "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
    uses: 'keep.push(DynamoDBDocumentClient.from(dynamo));',
  },
  '@aws-sdk/client-s3': {
    imports: "import { S3Client } from '@aws-sdk/client-s3';",
    uses: 'keep.push(new S3Client({ region: process.env.AWS_REGION }));',
  },
  '@aws-sdk/s3-request-presigner': {
    imports: "import { getSignedUrl } from '@aws-sdk/s3-request-presigner';",
    uses: 'keep.push(getSignedUrl);',
  },
  '@aws-sdk/s3-presigned-post': {
    imports: "import { createPresignedPost } from '@aws-sdk/s3-presigned-post';",
    uses: 'keep.push(createPresignedPost);',
  },
  '@aws-sdk/client-apigatewaymanagementapi': {
    imports: "import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';",
    uses: 'keep.push(ApiGatewayManagementApiClient);',
  },
};

export interface ColdStartResult {
  handler: string;
  sdkPackages: string[];
  bundleBytes: number;
  floorBytes: number;
  importMs: number;
  floorImportMs: number;
  ratio: number;
  samples: number;
}

/** Bundles a handler file, or (for a floor) source text resolved from the project root. */
async function bundle(entry: { file: string } | { source: string }, outfile: string): Promise<Metafile> {
  const result = await build({
    ...('file' in entry
      ? { entryPoints: [entry.file] }
      : { stdin: { contents: entry.source, resolveDir: ROOT, sourcefile: 'floor.mjs', loader: 'js' } }),
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    banner: { js: BANNER },
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    metafile: true,
    logLevel: 'error',
    absWorkingDir: ROOT,
  });
  return result.metafile;
}

/** The SDK packages (the ones a floor knows how to build) whose code ended up in the bundle. */
function sdkPackagesOf(metafile: Metafile): string[] {
  const found = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /node_modules\/(@aws-sdk\/[^/]+)\//.exec(input);
    if (match?.[1] && FLOOR_PARTS[match[1]]) found.add(match[1]);
  }
  // Keep a stable order in which the DynamoDB client comes before the document client that wraps it.
  return Object.keys(FLOOR_PARTS).filter((name) => found.has(name));
}

async function importMs(file: string, env: NodeJS.ProcessEnv): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`;
  const { stdout } = await run(
    process.execPath,
    ['--enable-source-maps', '--input-type=module', '-e', script],
    { env },
  );
  return Number(stdout.trim());
}

export async function measureColdStarts(outDir: string, samples: number): Promise<ColdStartResult[]> {
  mkdirSync(outDir, { recursive: true });
  const env = {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    TABLE_NAME: 'obrol',
    BUCKET_NAME: 'obrol-files',
    CALLBACK_URL: 'https://example.execute-api.us-east-1.amazonaws.com/prod',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    OBROL_LOG: 'silent',
  };
  const results: ColdStartResult[] = [];
  for (const handler of HANDLERS) {
    const out = join(outDir, `${handler}.mjs`);
    const metafile = await bundle({ file: join(ROOT, 'lambdas', `${handler}.ts`) }, out);
    const packages = sdkPackagesOf(metafile);
    const floorSource = [
      ...packages.map((p) => FLOOR_PARTS[p]?.imports),
      'const keep = [];',
      ...packages.map((p) => FLOOR_PARTS[p]?.uses),
      'export { keep };',
      '',
    ].join('\n');
    const floorOut = join(outDir, `${handler}-floor.mjs`);
    await bundle({ source: floorSource }, floorOut);
    // Warm the file cache, then alternate handler and floor so drift hits both alike.
    await importMs(out, env);
    await importMs(floorOut, env);
    const times: number[] = [];
    const floorTimes: number[] = [];
    for (let i = 0; i < samples; i++) {
      times.push(await importMs(out, env));
      floorTimes.push(await importMs(floorOut, env));
    }
    const importTime = median(times);
    const floorTime = median(floorTimes);
    results.push({
      handler,
      sdkPackages: packages,
      bundleBytes: statSync(out).size,
      floorBytes: statSync(floorOut).size,
      importMs: importTime,
      floorImportMs: floorTime,
      ratio: importTime / floorTime,
      samples,
    });
  }
  return results;
}
