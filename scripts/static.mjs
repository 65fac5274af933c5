// The lab's static file server and its build-time compression (Node built-ins only).
//
//   node scripts/static.mjs compress DIR     writes FILE.br and FILE.gz next to every .wasm,
//                                            .js, .css and .html file of DIR (brotli at its
//                                            highest quality: a few seconds, once per build)
//   node scripts/static.mjs serve DIR PORT   serves DIR on http://127.0.0.1:PORT/
//
// The server sends the precompressed file the browser accepts (brotli, else gzip, with
// `Vary: Accept-Encoding`), else the plain file. `make serve` and the end-to-end tests use it,
// so what the tests measure is what a user's browser transfers.
//
// Every response carries the cross-origin isolation headers (ISOLATION below): with them
// the browser gives the page `SharedArrayBuffer`, and the training worker computes each
// step on all cores (a pool of helper workers); without them the lab trains on one thread.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.net': 'application/octet-stream',
  '.webmanifest': 'application/manifest+json',
};
const COMPRESSIBLE = new Set(['.wasm', '.js', '.mjs', '.css', '.html', '.json', '.svg', '.net', '.webmanifest']);

/** Headers that make the page cross-origin isolated (`self.crossOriginIsolated`). */
export const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/** Writes `.br` and `.gz` siblings of every compressible file under `dir`; returns the count. */
export function precompress(dir) {
  let n = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    if (!COMPRESSIBLE.has(path.extname(file))) continue;
    const body = fs.readFileSync(file);
    fs.writeFileSync(
      `${file}.br`,
      zlib.brotliCompressSync(body, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
        },
      }),
    );
    fs.writeFileSync(`${file}.gz`, zlib.gzipSync(body, { level: 9 }));
    n++;
  }
  return n;
}

/** The encodings a request accepts, in our order of preference. */
function accepted(req) {
  const header = String(req.headers['accept-encoding'] ?? '');
  const names = header.split(',').map((s) => s.trim().split(';')[0]);
  return [
    ['br', '.br'],
    ['gzip', '.gz'],
  ].filter(([name]) => names.includes(name));
}

/**
 * The file under `root` that the request target `target` names, or an HTTP status: 400 when
 * the target is not a valid URL path (a malformed `%` escape, a NUL byte), 403 when it leads
 * outside `root`. Containment is decided by `path.relative`, not by a string prefix: with
 * root `/srv/dist`, `/srv/dist-evil/x` shares the prefix but is not inside.
 */
export function resolveRequest(root, target) {
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(target ?? '/', 'http://localhost').pathname);
  } catch {
    return 400;
  }
  if (pathname.includes('\0')) return 400;
  let file = path.join(root, pathname);
  const rel = path.relative(root, file);
  if (rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel)) return 403;
  if (pathname.endsWith('/')) file = path.join(file, 'index.html');
  return file;
}

/** Serves `dir` on 127.0.0.1:`port` (0 = any free port); resolves to { url, close }.
 * `isolate: false` leaves out the cross-origin isolation headers (as a plain static host
 * would: the lab then trains on one thread). */
export async function serveDir(dir, port = 0, { isolate = true } = {}) {
  const extra = isolate ? ISOLATION : {};
  const root = path.resolve(dir);
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    throw new Error(`${root}/index.html missing: run \`make build\` (or \`make test\`) first`);
  }
  const server = http.createServer((req, res) => {
    const file = resolveRequest(root, req.url);
    if (typeof file === 'number') {
      res.writeHead(file, { 'content-type': 'text/plain', ...extra }).end(file === 400 ? 'bad request' : 'forbidden');
      return;
    }
    const headers = {
      'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      vary: 'Accept-Encoding',
      ...extra,
    };
    let send = file;
    for (const [name, ext] of accepted(req)) {
      if (fs.existsSync(file) && fs.existsSync(file + ext)) {
        headers['content-encoding'] = name;
        send = file + ext;
        break;
      }
    }
    fs.readFile(send, (err, body) => {
      if (err) {
        res.writeHead(404, { 'content-type': 'text/plain', ...extra }).end('not found');
        return;
      }
      res.writeHead(200, headers);
      res.end(body);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address();
  return { url: `http://127.0.0.1:${bound}/`, close: () => new Promise((r) => server.close(r)) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [cmd, dir = 'dist', port = '8080'] = process.argv.slice(2);
  if (cmd === 'compress') {
    const t0 = Date.now();
    const n = precompress(dir);
    console.log(`compressed ${n} files in ${dir}/ (brotli + gzip) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } else if (cmd === 'serve') {
    try {
      const { url } = await serveDir(dir, Number(port));
      console.log(`Flip-Flop Lab is being served on ${url}  (Ctrl-C stops)`);
    } catch (e) {
      console.error(`error: ${e.message}`);
      process.exit(1);
    }
  } else {
    console.error('usage: node scripts/static.mjs compress DIR | serve DIR PORT');
    process.exit(2);
  }
}
