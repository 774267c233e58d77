#!/usr/bin/env node
// Uploads a file to the signed form from a SEND_FILE / SEND_GROUP_FILE answer (what `curl -F` does).
// Usage: node scripts/upload.mjs '<the answer JSON, or just its "upload" object>' path/to/file
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

const [json, path] = process.argv.slice(2);
if (!json || !path) {
  console.error("usage: node scripts/upload.mjs '<answer JSON>' <file>");
  process.exit(2);
}
const parsed = JSON.parse(json.replace(/\s+$/, ''));
const form = parsed.upload ?? parsed;
const body = new FormData();
for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
body.append('file', new Blob([await readFile(path)]), basename(path));
const res = await fetch(form.url, { method: 'POST', body });
console.log(res.status, res.status < 300 ? 'uploaded' : await res.text());
process.exit(res.status < 300 ? 0 : 1);
