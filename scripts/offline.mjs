// Writes the build's service worker: DIR/sw.js from the template web/sw.js, with the list of
// the build's files (as URLs under the public URL) and a hash of their paths and contents.
// A different build gets a different hash, hence a new cache that replaces the old one.
//
//   node scripts/offline.mjs DIR [PUBLIC_URL]
//
// Run by Trunk's post-build hook (Trunk.toml) on the staging directory, after the relaxed
// worker is built; also usable on a finished dist/ (the E2E tests make a second build so).
// Skips sw.js itself and the .br/.gz copies `scripts/static.mjs compress` adds (the server
// picks those per request; the cache holds what the browser decoded). Node built-ins only.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PLACEHOLDER = '/*BUILD*/ null';

/** The build's files under `dir`, as sorted paths relative to it with `/` separators. */
export function buildFiles(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)).split(path.sep).join('/'))
    .filter((f) => f !== 'sw.js' && !/\.(br|gz)$/.test(f))
    .sort();
}

/** `{ hash, base, files }` for the build in `dir` served under `base` (ends with `/`). */
export function describeBuild(dir, base = '/') {
  const files = buildFiles(dir);
  const h = crypto.createHash('sha256');
  for (const f of files) {
    h.update(f).update('\0').update(fs.readFileSync(path.join(dir, f))).update('\0');
  }
  return { hash: h.digest('hex').slice(0, 16), base, files: files.map((f) => base + f) };
}

/** Writes `dir/sw.js` (removing stale compressed copies of it); returns the description. */
export function writeServiceWorker(dir, base = '/') {
  const template = fs.readFileSync(path.join(ROOT, 'web', 'sw.js'), 'utf8');
  if (!template.includes(PLACEHOLDER)) throw new Error(`web/sw.js lacks ${PLACEHOLDER}`);
  const build = describeBuild(dir, base.endsWith('/') ? base : base + '/');
  fs.writeFileSync(path.join(dir, 'sw.js'), template.replace(PLACEHOLDER, JSON.stringify(build)));
  for (const ext of ['.br', '.gz']) fs.rmSync(path.join(dir, 'sw.js' + ext), { force: true });
  return build;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, base = process.env.TRUNK_PUBLIC_URL ?? '/'] = process.argv.slice(2);
  if (!dir || !fs.existsSync(path.join(dir, 'index.html'))) {
    console.error('usage: node scripts/offline.mjs DIR [PUBLIC_URL]   (DIR holds a build: index.html)');
    process.exit(2);
  }
  const build = writeServiceWorker(dir, base);
  console.log(`sw.js: build ${build.hash}, ${build.files.length} files cached for offline use`);
}
