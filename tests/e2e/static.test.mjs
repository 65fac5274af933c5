// The static server of `make serve` and of the end-to-end harness (scripts/static.mjs) on
// hostile request targets: a malformed `%` escape gets 400 and does not crash it, a path that
// climbs into a sibling folder whose name starts with the served folder's name gets 403 (a
// string-prefix check let it through), and the server keeps serving afterwards. Needs no build.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { serveDir, resolveRequest } from '../../scripts/static.mjs';

let tmp;
let server;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flipflop-static-'));
  fs.mkdirSync(path.join(tmp, 'dist'));
  fs.writeFileSync(path.join(tmp, 'dist', 'index.html'), '<p>lab</p>');
  fs.mkdirSync(path.join(tmp, 'dist-evil'));
  fs.writeFileSync(path.join(tmp, 'dist-evil', 'secret.txt'), 'secret');
  server = await serveDir(path.join(tmp, 'dist'), 0);
});

after(async () => {
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** GET with the request target sent verbatim (fetch would normalise or refuse it). */
function get(target) {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: target, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.setTimeout(5000, () => req.destroy(new Error(`no answer to ${target} within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

test('a malformed percent escape answers 400 and the server still serves', async () => {
  for (const target of ['/%', '/%E0%A4%A', '/index.html%zz', '/a%00b']) {
    const r = await get(target);
    assert.equal(r.status, 400, target);
  }
  const ok = await get('/');
  assert.equal(ok.status, 200);
  assert.equal(ok.body, '<p>lab</p>');
});

test('a path into a sibling folder that shares the prefix answers 403', async () => {
  for (const target of ['/..%2fdist-evil%2fsecret.txt', '/%2e%2e%2fdist-evil/secret.txt', '/..%2f..%2fetc%2fpasswd']) {
    const r = await get(target);
    assert.equal(r.status, 403, target);
    assert.ok(!r.body.includes('secret'), target);
  }
  // Still serving, and a missing file inside the root is a plain 404.
  assert.equal((await get('/index.html')).status, 200);
  assert.equal((await get('/nothing-here.js')).status, 404);
});

test('resolveRequest decides by containment, not by string prefix', () => {
  const root = path.join(tmp, 'dist');
  assert.equal(resolveRequest(root, '/a/b.js'), path.join(root, 'a', 'b.js'));
  assert.equal(resolveRequest(root, '/sub/'), path.join(root, 'sub', 'index.html'));
  assert.equal(resolveRequest(root, '/..%2fdist-evil/x'), 403);
  assert.equal(resolveRequest(root, '/%'), 400);
  // A name that merely begins with two dots stays inside.
  assert.equal(resolveRequest(root, '/..hidden'), path.join(root, '..hidden'));
});
