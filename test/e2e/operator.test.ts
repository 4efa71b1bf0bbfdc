// `npm run operator` writes manifests k6-operator takes, checked offline: kubeconform (pinned)
// against the TestRun CRD of the pinned operator and ConfigMap v1, strict. What it writes passes;
// a wrong enum, a string parallelism, a configMap without a name and an unknown key each fail.
// What would not work in a cluster is refused before anything is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { validateManifests } from '../../harness/kubeconform.ts';
import { GO_GC } from '../../harness/k6-env.mjs';
import { runnerCommand } from '../../harness/operator.ts';
import { repoRoot } from '../helpers/k6.ts';

function operator(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/operator.ts', ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

const CLUSTER = ['-e', 'BASE_URL=http://echo.demo.svc:8081', '-e', 'ALLOWED_HOSTS=echo.demo.svc'];

/** `npm run operator -- <args>` into a fresh directory: it must succeed, and its two manifests pass kubeconform. */
async function validManifests(args: string[]): Promise<{ out: string; files: [string, string]; validation: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-operator-'));
  const r = await operator([...args, '--out', dir]);
  assert.equal(r.code, 0, r.out);
  const files: [string, string] = [join(dir, 'configmap.yaml'), join(dir, 'testrun.yaml')];
  const v = validateManifests(files);
  assert.ok(v.ok, v.out);
  return { out: r.out, files, validation: v.out };
}

test('echo on 2 runners: a ConfigMap with the archive and a TestRun with the knobs, testid and InfluxDB output, valid against the CRD', async () => {
  const { out, files, validation } = await validManifests([
    'echo',
    '--parallelism',
    '2',
    '--influxdb',
    'http://influxdb.monitoring:8086/k6',
    '--testid',
    'launch-1',
    ...CLUSTER,
  ]);
  assert.match(out, /kubectl apply -f .*configmap\.yaml -f .*testrun\.yaml/);
  assert.match(out, /npm run verdict -- echo --testid launch-1/);
  assert.match(validation, /Valid: 2, Invalid: 0, Errors: 0/);
  const run = parse(readFileSync(files[1]!, 'utf8')) as { spec: Record<string, unknown> & { runner: { image: string } } };
  assert.equal(run.spec.parallelism, 2);
  assert.equal(run.spec.runner.image, 'grafana/k6:2.2.0');
  assert.equal(
    run.spec.arguments,
    '--tag testid=launch-1 --out influxdb=http://influxdb.monitoring:8086/k6 -e RESULTS_DIR=. -e BASE_URL=http://echo.demo.svc:8081 -e ALLOWED_HOSTS=echo.demo.svc',
  );
  // What the operator (v1.6.0, pkg/resources/jobs/runner.go) makes runner 2 of 2 run: the
  // command test/e2e/verdict.test.ts runs its runners with.
  assert.deepEqual(
    runnerCommand(run as unknown as Parameters<typeof runnerCommand>[0], 2).join(' '),
    [
      'run --quiet --execution-segment=1/2:1 --execution-segment-sequence=0,1/2,1',
      run.spec.arguments,
      '/test/archive.tar --address=0.0.0.0:6565 --paused --tag instance_id=2 --tag testrun_name=floodgate-echo',
    ].join(' '),
  );
  const cm = parse(readFileSync(files[0]!, 'utf8')) as { binaryData: Record<string, string> };
  const tar = Buffer.from(cm.binaryData['archive.tar']!, 'base64');
  assert.ok(tar.includes(Buffer.from('thresholds.json')), 'the archive carries thresholds.json');
});

test('ws-hold: its runners get the GC target the pack runs it with (GOGC in the runner env), valid against the CRD', async () => {
  const { files } = await validManifests([
    'ws-hold',
    '--parallelism',
    '2',
    '-e',
    'BASE_URL=http://ws.demo.svc:8085',
    '-e',
    'ALLOWED_HOSTS=ws.demo.svc',
  ]);
  const run = parse(readFileSync(files[1]!, 'utf8')) as { spec: { separate: boolean; runner: { env: { name: string; value: string }[] } } };
  assert.deepEqual(run.spec.runner.env, [{ name: 'GOGC', value: GO_GC['ws-hold'] }]);
  assert.equal(run.spec.separate, true);
});

test('kubeconform fails a wrong enum, a string parallelism, a configMap with no name and an unknown key, each by name', async () => {
  const out = mkdtempSync(join(tmpdir(), 'floodgate-operator-'));
  const r = await operator(['echo', '--parallelism', '2', '--out', out, ...CLUSTER]);
  assert.equal(r.code, 0, r.out);
  const good = parse(readFileSync(join(out, 'testrun.yaml'), 'utf8')) as {
    spec: Record<string, unknown> & { script: { configMap: Record<string, string> } };
  };
  const broken: [string, (m: typeof good) => void, RegExp][] = [
    ['cleanup: always', (m) => (m.spec.cleanup = 'always'), /cleanup.*(must be one of|value must be)/],
    ['parallelism: "2"', (m) => (m.spec.parallelism = '2'), /parallelism.*(expected integer|got string)/],
    ['configMap without name', (m) => delete m.spec.script.configMap.name, /missing propert(y|ies).*name/],
    ['paralelism (typo)', (m) => (m.spec.paralelism = 2), /paralelism/],
  ];
  for (const [what, mutate, expected] of broken) {
    const m = structuredClone(good);
    mutate(m);
    const file = join(out, 'broken.yaml');
    writeFileSync(file, stringify(m));
    const v = validateManifests([file]);
    assert.equal(v.ok, false, `${what} passed:\n${v.out}`);
    assert.match(v.out, expected, what);
  }
});

test('a loopback BASE_URL, a host not allowed, and more runners than VUs are refused with what to do (exit 2)', async () => {
  const loopback = await operator(['echo', '--parallelism', '2']);
  assert.equal(loopback.code, 2);
  assert.match(loopback.out, /each runner pod's loopback is the pod itself.*-e ALLOWED_HOSTS=/);
  const notAllowed = await operator(['echo', '--parallelism', '2', '-e', 'BASE_URL=http://echo.demo.svc:8081']);
  assert.equal(notAllowed.code, 2);
  assert.match(notAllowed.out, /allow it with -e ALLOWED_HOSTS=echo\.demo\.svc/);
  const out = mkdtempSync(join(tmpdir(), 'floodgate-operator-'));
  const tooMany = await operator(['echo', '--parallelism', '5', '--out', out, ...CLUSTER, '-e', 'STAGES=2s:3']);
  assert.equal(tooMany.code, 2, tooMany.out);
  assert.match(tooMany.out, /--parallelism 5 for a test of 3 VUs at most/);
});
