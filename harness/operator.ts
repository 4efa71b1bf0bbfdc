// What `npm run operator -- <scenario> --parallelism N` does: writes a directory `kubectl apply -f`
// takes to run the scenario on grafana/k6-operator (v1.6.0, whose runner image is the pack's
// k6 2.2.0): the `k6 archive` of the bundle (thresholds.json inside) in a ConfigMap, and a
// TestRun that runs it on N runners with the knobs, a testid tag and the InfluxDB output, so
// `npm run verdict` judges the whole. It refuses what would not work in a cluster first.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { UsageError } from '../lib/fail.ts';
import { INFLUX_URL, scenarioFirst } from './cli-args.ts';
import { segments } from './fanout.ts';
import { SCENARIOS } from '../lib/catalog/index.ts';
import { fileStamp } from '../lib/summary.ts';
import { buildAll } from './build-step.mjs';
import { ensureK6, K6_VERSION } from './k6-setup.mjs';
import { GO_GC, k6Env } from './k6-env.mjs';
import { repoRoot } from './paths.mjs';

export const OPERATOR_VERSION = 'v1.6.0';
export const RUNNER_IMAGE = `grafana/k6:${K6_VERSION.slice(1)}`;
/** A ConfigMap holds at most 1 MiB (the API server refuses more). */
export const CONFIGMAP_LIMIT = 1024 * 1024;
const ARCHIVE = 'archive.tar';
// What one runner costs besides its VUs, and what a VU or a held WebSocket costs k6 (the
// connections-held benchmark: about 100 KiB a socket).
const BASE_MIB = 256;
const MIB_PER_VU = 4;
const KIB_PER_SOCKET = 100;

export const OPERATOR_USAGE = `usage: npm run operator -- <scenario> --parallelism N [options] [-e KEY=value ...]

Writes a directory for \`kubectl apply -f\`: the scenario's k6 archive in a ConfigMap and a
k6-operator ${OPERATOR_VERSION} TestRun (k6.io/v1alpha1) running it on N runner pods.

  --parallelism N     runner pods, each running 1/N of the test (its VUs, its arrivals)
  --influxdb URL/db   where the runners stream (in-cluster address); then npm run verdict judges the whole
  --testid ID         the tag that names this test in InfluxDB (default <scenario>-<time>)
  --name NAME         the TestRun's and ConfigMap's name (default floodgate-<scenario>)
  --out DIR           where to write (default results/operator/<scenario>)
  -e KEY=value        the scenario's knobs, as for k6 run; BASE_URL must be an address the cluster
                      reaches, allowed with ALLOWED_HOSTS`;

export interface OperatorPlan {
  scenario: string;
  parallelism: number;
  influxdb?: string;
  testid: string;
  name: string;
  outDir: string;
  env: Record<string, string>;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

export function parseOperatorArgs(argv: string[]): OperatorPlan {
  const { scenario, rest } = scenarioFirst(argv);
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      parallelism: { type: 'string' },
      influxdb: { type: 'string' },
      testid: { type: 'string', default: `${scenario}-${fileStamp(new Date()).toLowerCase()}` },
      name: { type: 'string', default: `floodgate-${scenario}` },
      out: { type: 'string', default: join(repoRoot, 'results', 'operator', scenario) },
      env: { type: 'string', short: 'e', multiple: true, default: [] },
    },
  });
  const parallelism = Number(values.parallelism);
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > 1000) {
    throw new UsageError(`--parallelism ${values.parallelism ?? '(missing)'}: expected the number of runner pods, 1 to 1000`);
  }
  if (values.influxdb !== undefined && !INFLUX_URL.test(values.influxdb)) {
    throw new UsageError(`--influxdb ${values.influxdb}: expected http(s)://host:port/database, as k6's --out influxdb= takes it`);
  }
  if (!/^[\w.-]{1,128}$/.test(values.testid)) throw new UsageError(`--testid ${values.testid}: expected 1-128 of A-Z a-z 0-9 _ . -`);
  // A Kubernetes object name: DNS-1123 subdomain.
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(values.name)) {
    throw new UsageError(`--name ${values.name}: expected a Kubernetes name: lowercase letters, digits and -, at most 63`);
  }
  // A runner pod has no results/ (the build makes it in a clone) and k6 makes no directory:
  // the summaries go to the pod's working directory, or the end-of-test summary fails to save.
  const env: Record<string, string> = { RESULTS_DIR: '.' };
  for (const e of values.env) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(e);
    if (!m) throw new UsageError(`-e ${e}: expected KEY=value`);
    // The operator passes `arguments` to k6 split at spaces.
    if (/\s|["'\\]/.test(m[2]!)) throw new UsageError(`-e ${e}: a value with spaces or quotes does not survive the TestRun's arguments`);
    env[m[1]!] = m[2]!;
  }
  const base = env.BASE_URL;
  const host = base === undefined ? undefined : /^https?:\/\/([^/:]+|\[[^\]]+\])/i.exec(base)?.[1];
  if (base === undefined || host === undefined || LOOPBACK.test(host)) {
    throw new UsageError(
      `-e BASE_URL=${base ?? '(not given: the reference target on 127.0.0.1)'}: in a cluster each runner pod's loopback is the pod itself. ` +
        'Aim at a Service the pods reach, and allow it: -e BASE_URL=http://my-api.my-ns.svc:8080 -e ALLOWED_HOSTS=my-api.my-ns.svc',
    );
  }
  if (!env.ALLOWED_HOSTS) {
    throw new UsageError(`-e BASE_URL=${base} is not loopback: allow it with -e ALLOWED_HOSTS=${host} (the scenario refuses other hosts)`);
  }
  return {
    scenario,
    parallelism,
    ...(values.influxdb !== undefined ? { influxdb: values.influxdb } : {}),
    testid: values.testid,
    name: values.name,
    outDir: resolve(values.out),
    env,
  };
}

const envArgs = (env: Record<string, string>) => Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);

/** k6 run against the archive in the runner, as the TestRun's `arguments`. */
export function runnerArguments(plan: OperatorPlan): string {
  return ['--tag', `testid=${plan.testid}`, ...(plan.influxdb ? ['--out', `influxdb=${plan.influxdb}`] : []), ...envArgs(plan.env)].join(
    ' ',
  );
}

/** Where the operator mounts a ConfigMap script in the runner pod. */
export const SCRIPT_MOUNT = '/test/';
/** The port of each runner's REST API, which the operator's starter PATCHes to unpause it. */
export const RUNNER_API_PORT = 6565;

/**
 * The k6 command line k6-operator v1.6.0 gives runner `index` (1..parallelism) of a TestRun
 * (pkg/resources/jobs/runner.go, pkg/segmentation): quiet, its execution segment when there are
 * several, `spec.args` or `spec.arguments` split at whitespace, the script, the REST API paused
 * until the starter resumes every runner at once, and the instance_id and testrun_name tags.
 */
export function runnerCommand(
  testRun: {
    metadata: { name: string };
    spec: { parallelism: number; arguments?: string; args?: string[]; script: { configMap: { file?: string } } };
  },
  index: number,
): string[] {
  const { parallelism } = testRun.spec;
  const { sequence, segment } = segments(parallelism);
  return [
    'run',
    '--quiet',
    ...(parallelism > 1 ? [`--execution-segment=${segment(index - 1)}`, `--execution-segment-sequence=${sequence}`] : []),
    ...(testRun.spec.args?.length ? testRun.spec.args : (testRun.spec.arguments ?? '').split(/\s+/).filter(Boolean)),
    `${SCRIPT_MOUNT}${testRun.spec.script.configMap.file ?? 'test.js'}`,
    `--address=0.0.0.0:${RUNNER_API_PORT}`,
    '--paused',
    '--tag',
    `instance_id=${index}`,
    '--tag',
    `testrun_name=${testRun.metadata.name}`,
  ];
}

/** Memory per runner: its share of the VUs (or held sockets), and a base. */
export function runnerMemoryMiB(plan: OperatorPlan, maxVUs: number): number {
  const decl = SCENARIOS[plan.scenario]!.knobs.CONNECTIONS;
  const shipped = plan.env.PROFILE === 'smoke' ? (decl?.smoke ?? decl?.full) : decl?.full;
  const sockets = Number(plan.env.CONNECTIONS ?? shipped ?? 0);
  const perRunner = (n: number) => Math.ceil(n / plan.parallelism);
  const work = sockets > 0 ? (perRunner(sockets) * KIB_PER_SOCKET) / 1024 : perRunner(maxVUs) * MIB_PER_VU;
  return BASE_MIB + Math.ceil(work / 64) * 64;
}

/** The two manifests, as objects (written as YAML). */
export function manifests(plan: OperatorPlan, archive: Buffer, maxVUs: number) {
  const memory = `${runnerMemoryMiB(plan, maxVUs)}Mi`;
  // As on this machine: a GOGC the caller set wins over the scenario's.
  const gogc = process.env.GOGC ?? (GO_GC as Record<string, string>)[plan.scenario];
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: plan.name, labels: { 'app.kubernetes.io/part-of': 'floodgate', 'floodgate/scenario': plan.scenario } },
    binaryData: { [ARCHIVE]: archive.toString('base64') },
  };
  const testRun = {
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: { name: plan.name, labels: { 'app.kubernetes.io/part-of': 'floodgate', 'floodgate/scenario': plan.scenario } },
    spec: {
      parallelism: plan.parallelism,
      script: { configMap: { name: plan.name, file: ARCHIVE } },
      arguments: runnerArguments(plan),
      // WebSocket holds: one runner a node, so a node's ports and files are one runner's.
      ...(plan.scenario.startsWith('ws-') ? { separate: true } : {}),
      cleanup: 'post',
      runner: {
        image: RUNNER_IMAGE,
        resources: { requests: { cpu: '1', memory }, limits: { memory } },
        // The GC target the pack runs this scenario's k6 with (harness/k6-env.mjs), in the pods too.
        ...(gogc === undefined ? {} : { env: [{ name: 'GOGC', value: gogc }] }),
      },
    },
  };
  return { configMap, testRun };
}

function k6(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(ensureK6(), args, { cwd: repoRoot, env: k6Env(process.env, repoRoot), encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** Archives, checks and writes; returns the files written. */
export function writeOperator(plan: OperatorPlan, say: (s: string) => void = (s) => process.stdout.write(s)): string[] {
  buildAll();
  mkdirSync(plan.outDir, { recursive: true });
  const archivePath = join(plan.outDir, ARCHIVE);
  // k6 archive runs the scenario's init with the knobs: a bad -e is refused here, not in the cluster.
  const archived = k6(['archive', '--quiet', '-O', archivePath, ...envArgs(plan.env), join('dist', `${plan.scenario}.js`)]);
  if (!archived.ok) throw new UsageError(`k6 archive refused the scenario with these knobs:\n${archived.out.trim()}`);
  const size = statSync(archivePath).size;
  if (size > CONFIGMAP_LIMIT) {
    throw new UsageError(
      `the archive is ${size} bytes, over a ConfigMap's 1 MiB: put it on a volume and point spec.script.volumeClaim at it (docs/kubernetes.md)`,
    );
  }
  const inspected = k6(['inspect', '--execution-requirements', ...envArgs(plan.env), archivePath]);
  const maxVUs = inspected.ok
    ? Number((JSON.parse(inspected.out.slice(inspected.out.indexOf('{'))) as { maxVUs?: number }).maxVUs ?? 0)
    : 0;
  if (!inspected.ok || !(maxVUs > 0)) throw new UsageError(`k6 inspect could not read the test's VUs:\n${inspected.out.trim()}`);
  if (plan.parallelism > maxVUs) {
    throw new UsageError(
      `--parallelism ${plan.parallelism} for a test of ${maxVUs} VUs at most: some runners would have no VU; use at most ${maxVUs}`,
    );
  }
  const { configMap, testRun } = manifests(plan, readFileSync(archivePath), maxVUs);
  const files = [join(plan.outDir, 'configmap.yaml'), join(plan.outDir, 'testrun.yaml')];
  writeFileSync(files[0]!, stringify(configMap, { lineWidth: 0 }));
  writeFileSync(files[1]!, stringify(testRun, { lineWidth: 0 }));
  const rel = relative(process.cwd(), plan.outDir);
  const dir = rel === '' ? '.' : rel.startsWith('..') ? plan.outDir : rel;
  say(
    `floodgate operator: ${plan.scenario} on ${plan.parallelism} runners (${maxVUs} VUs at most, ${testRun.spec.runner.resources.limits.memory} each), archive ${size} bytes\n` +
      `  kubectl apply -f ${dir}/configmap.yaml -f ${dir}/testrun.yaml\n` +
      `  kubectl get testrun ${plan.name} -w        # until its stage is finished\n` +
      (plan.influxdb
        ? `  npm run verdict -- ${plan.scenario} --testid ${plan.testid} --influxdb <InfluxDB as this machine reaches it>/${plan.influxdb.split('/').pop()}\n`
        : '  (no --influxdb: each runner judges only its own share; give one to judge the whole with npm run verdict)\n'),
  );
  return [archivePath, ...files];
}
