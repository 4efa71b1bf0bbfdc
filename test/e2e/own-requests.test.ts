// Your own requests and your own scenario, as docs/your-own-scenario.md tells them, run as the
// page writes them: a request module built into burst places orders on a Go JSON API behind a
// bearer token (test/peers/jwt-edge), passing it with its per-user limit and failing it without;
// a wrong module is refused at build or at its first turn, saying what is wrong; and
// `npm run new` scaffolds a scenario that passes npm test as generated (in a copy of the tree).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPeer } from '../../harness/peers.ts';
import { docBlock, docK6Args, shellWords } from '../helpers/doc-commands.ts';
import { HEADROOM, dist, repoRoot, runK6, type K6Result } from '../helpers/k6.ts';

const PAGE = 'your-own-scenario';

/** A command of the page (its first sh block under `heading`) run in `cwd`, as npm would run it. */
function pageCommand(heading: string, cwd = repoRoot) {
  const [cmd, ...args] = shellWords(docBlock(PAGE, heading));
  return spawnSync(cmd!, args, { cwd, encoding: 'utf8', env: { ...process.env, INIT_CWD: cwd } });
}

/** The orders API (the edge's POST /v1/orders) and its issuer; the page's k6 command under `heading` run against them. */
async function orders(heading: string, ordersLimit: string, env: Record<string, string>): Promise<K6Result> {
  const issuer = await startPeer('jwt-edge', ['-role', 'issuer']);
  try {
    // No per-address limit here: burst's hundred users all come from one address.
    const edge = await startPeer('jwt-edge', [
      '-role',
      'edge',
      '-issuer',
      issuer.url,
      '-origin',
      issuer.url,
      '-rate',
      '100000',
      '-burst',
      '100000',
      '-orders-limit',
      ordersLimit,
    ]);
    try {
      const { script, args } = docK6Args(PAGE, { 'http://127.0.0.1:9000': edge.url, 'http://127.0.0.1:9001': issuer.url }, heading);
      return await runK6(script, { PROFILE: 'smoke', ...env }, args);
    } finally {
      await edge.stop();
    }
  } finally {
    await issuer.stop();
  }
}

test("the page's build command bundles the example module into the scenarios that send one request a turn", () => {
  const r = pageCommand('## 2. Build it in');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(
    r.stderr,
    /with the request module examples\/orders-api\.ts: dist\/breaking-point\.orders-api\.js, dist\/burst\.orders-api\.js, dist\/recovery\.orders-api\.js/,
  );
});

test('its run: orders with a token per user against an API that holds each user to 5 a second pass every gate of burst (exit 0)', async () => {
  const r = await orders('## 3. Run it', '5', HEADROOM);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  assert.ok(r.report!.requests.count > 1000, `${r.report!.requests.count} orders`);
});

test('the same run against the API with its per-user limit off fails on the over-limit gate alone (exit 99)', async () => {
  const r = await orders('## 3. Run it', '0', HEADROOM);
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, ['over_limit_admitted_per_limit']);
});

test("with the page's own thresholds file, the run is judged by the orders API's promises (exit 0), and says so", async () => {
  const r = await orders('## 4. Your own thresholds', '5', {});
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Thresholds \(examples\/orders-thresholds\.json\)/);
  assert.ok(r.report!.thresholds.some((t) => t.expression === 'p(95)<250'));
});

test('a module without a default export, or one that does not type-check, is refused at build (exit 2), saying what is wrong', () => {
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-request-'));
  const build = (file: string, text: string) => {
    writeFileSync(join(dir, file), text);
    return spawnSync(process.execPath, ['build.mjs', '--request', join(dir, file)], { cwd: repoRoot, encoding: 'utf8' });
  };
  const noDefault = build('named.ts', 'export function request() { return { path: "/x" }; }\n');
  assert.equal(noDefault.status, 2);
  assert.match(
    noDefault.stderr,
    /named\.ts has no default export: it must export default function request\(ctx: RequestContext\): RequestSpec/,
  );
  assert.match(noDefault.stderr, /it exports request/);
  const badType = build(
    'typed.ts',
    `import type { RequestContext, RequestSpec } from '${join(repoRoot, 'lib', 'request.ts')}';\n` +
      'export default function request(ctx: RequestContext): RequestSpec { return { path: 42 }; }\n',
  );
  assert.equal(badType.status, 2);
  assert.match(badType.stderr, /typed\.ts does not type-check against lib\/request\.ts:[\s\S]*error TS2322/);
  rmSync(dir, { recursive: true });
});

test('a module whose request is wrong stops the test at its first turn (exit 108), naming the user and the fault', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-request-'));
  const file = join(dir, 'wrong.js');
  writeFileSync(file, 'export default function request(ctx) { return { path: "v1/orders", headers: { Authorization: 7 } }; }\n');
  const built = spawnSync(process.execPath, ['build.mjs', '--request', file], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  const r = await runK6(dist('burst.wrong'), { PROFILE: 'smoke', SKIP_PREFLIGHT: 'true', BASE_URL: 'http://127.0.0.1:9' });
  assert.equal(r.code, 108, r.stdout + r.stderr);
  assert.match(
    r.stderr,
    /the request module .*wrong\.js, asked for user (user-\d+|over-limit)'s request in burst: path \\?"v1\/orders\\?" is not a path on BASE_URL starting with \//,
  );
  rmSync(dir, { recursive: true });
  rmSync(join(repoRoot, 'dist', 'burst.wrong.js'), { force: true });
});

test("the page's npm run new scaffolds a scenario that passes npm test as generated (in a copy of the tree)", () => {
  const copy = mkdtempSync(join(tmpdir(), 'floodgate-new-'));
  try {
    const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' });
    const tar = spawnSync('sh', ['-c', `tr '\\0' '\\n' | tar -cf - -T - | tar -xf - -C ${copy}`], { cwd: repoRoot, input: files.stdout });
    assert.equal(tar.status, 0, String(tar.stderr));
    symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'));
    const made = pageCommand('## 6. A scenario of your own', copy);
    assert.equal(made.status, 0, made.stdout + made.stderr);
    assert.match(made.stdout, /floodgate new: orders-flood written/);
    const tested = spawnSync(
      process.execPath,
      [
        'scripts/test.mjs',
        'test/unit/docs.test.ts',
        'test/unit/catalog.test.ts',
        'test/unit/red-gates.test.ts',
        'test/unit/thresholds.test.ts',
        'test/unit/layout.test.ts',
        'test/e2e/orders-flood.test.ts',
      ],
      // Without NODE_TEST_CONTEXT: the inner runner would report to this one instead of printing.
      { cwd: copy, encoding: 'utf8', env: { ...process.env, CI: 'true', NODE_TEST_CONTEXT: undefined } },
    );
    assert.equal(tested.status, 0, tested.stdout.slice(-4000) + tested.stderr);
    assert.match(
      tested.stdout,
      /orders-flood fails when the naive limiter lets the over-limit user through \(exit 99\)/,
      tested.stdout.slice(-3000),
    );
    assert.match(tested.stdout, /ℹ fail 0/);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
