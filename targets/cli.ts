// `npm run targets -- [name...] [--mode <mode>] [--port <n>]`: starts reference targets in the
// foreground (all of them on their default ports when no name is given) until SIGINT/SIGTERM.
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import closeWithGrace from 'close-with-grace';
import { UsageError } from '../lib/fail.ts';
import { REFERENCE_TARGETS, TARGET_HOST, targetNames, type TargetName } from '../lib/reference-targets.ts';
import { TARGETS } from './registry.ts';
import { startBalancer } from './balancer.ts';
import type { FlagValue, RunningTarget, TargetFlag, TargetModule } from './target.ts';
import { runWsWorker } from './ws-worker.ts';
import { runQueueWorker } from './queue-worker.ts';
import { QUEUE_WORKER_ENV } from './queue-store.ts';

const DEFAULT_GRACE_MS = 10_000;

function usage(): string {
  const lines = [
    'usage: npm run targets -- [name...] [--mode <mode>] [--port <n>] [--instances <n>] [--grace-ms <n>] [target flags]',
    '',
    '  --instances n  run n copies of the target behind a round-robin balancer on the port (default 1)',
    '  --fault a,b    add defects a real service has, on top of the mode, to drive a gate red (one target; listed below)',
    '',
    'targets:',
  ];
  for (const t of Object.values(TARGETS)) {
    lines.push(`  ${t.name} (port ${REFERENCE_TARGETS[t.name].port})`);
    for (const m of t.modes) lines.push(`    --mode ${m}${m === t.modes[0] ? ' (default)' : ''}: ${t.describe[m]}`);
    for (const [flag, f] of Object.entries(t.flags)) {
      const type = f.choices ? f.choices.join('|') : f.type;
      const values = Object.values(f.defaults);
      const shown = values.every((v) => v === values[0])
        ? String(values[0])
        : Object.entries(f.defaults)
            .map(([m, v]) => `${v} in ${m}`)
            .join(', ');
      lines.push(`    --${flag} <${type}>: ${f.describe} (default ${shown})`);
    }
    for (const [fault, what] of Object.entries(t.faults ?? {})) lines.push(`    --fault ${fault}: ${what}`);
  }
  return lines.join('\n');
}

function parseFlag(flag: string, type: TargetFlag['type'], raw: string, choices?: readonly string[]): FlagValue {
  if (type === 'string') {
    if (choices && !choices.includes(raw)) throw new UsageError(`--${flag} ${raw}: expected one of ${choices.join(', ')}`);
    if (raw === '') throw new UsageError(`--${flag}: expected a value`);
    return raw;
  }
  if (type === 'boolean') {
    if (raw === 'true' || raw === 'false') return raw === 'true';
    throw new UsageError(`--${flag} ${raw}: expected true or false`);
  }
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new UsageError(`--${flag} ${raw}: expected a whole number >= 0`);
  return n;
}

export function parseCli(argv: string[]) {
  const flagNames = new Set(Object.values(TARGETS).flatMap((t) => Object.keys(t.flags)));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      mode: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'grace-ms': { type: 'string' },
      instances: { type: 'string' },
      fault: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries([...flagNames].map((f) => [f, { type: 'string' as const }])),
    },
  });
  if (values.help) return { help: true as const };
  const names = positionals.length === 0 ? targetNames : positionals;
  for (const n of names) {
    if (!(n in TARGETS)) throw new UsageError(`no target "${n}"; targets: ${targetNames.join(', ')}`);
  }
  const mods = names.map((n) => TARGETS[n as TargetName]);
  if (values.port !== undefined && mods.length > 1)
    throw new UsageError('--port applies to one target; name one target or leave --port out');
  const port = values.port === undefined ? undefined : (parseFlag('port', 'number', values.port) as number);
  if (port !== undefined && port > 65535) throw new UsageError(`--port ${port}: expected 0 to 65535`);
  const host = values.host ?? TARGET_HOST;
  const graceMs = values['grace-ms'] === undefined ? DEFAULT_GRACE_MS : (parseFlag('grace-ms', 'number', values['grace-ms']) as number);
  const instances = values.instances === undefined ? 1 : (parseFlag('instances', 'number', values.instances) as number);
  if (instances < 1 || instances > 64) throw new UsageError(`--instances ${instances}: expected 1 to 64`);
  // Its workers are its instances already (--workers); two clusters cannot share the one port.
  // Checked on the selection, not the names typed: with none typed, every target (ws too) runs.
  if (instances > 1 && names.includes('ws')) {
    const others = targetNames.filter((n) => n !== 'ws').join(' ');
    throw new UsageError(
      `--instances does not apply to ws: it runs --workers processes on one port already` +
        (positionals.length === 0 ? `; name the targets to put behind a balancer, e.g. npm run targets -- ${others} --instances 2` : ''),
    );
  }
  if (values.fault !== undefined && mods.length > 1) throw new UsageError('--fault applies to one target; name it');
  const faults = new Set((values.fault ?? '').split(',').filter((f) => f !== ''));
  for (const mod of mods) {
    const known = Object.keys(mod.faults ?? {});
    for (const f of faults) {
      if (!known.includes(f))
        throw new UsageError(`--fault ${f}: target ${mod.name} has ${known.length > 0 ? `faults ${known.join(', ')}` : 'no faults'}`);
    }
  }
  const plans = mods.map((mod: TargetModule) => {
    const mode = values.mode ?? mod.modes[0]!;
    if (!mod.modes.includes(mode)) throw new UsageError(`--mode ${mode}: target ${mod.name} has modes ${mod.modes.join(', ')}`);
    const flags: Record<string, FlagValue> = {};
    for (const [flag, spec] of Object.entries(mod.flags)) {
      const raw = (values as Record<string, string | boolean | undefined>)[flag];
      flags[flag] = typeof raw === 'string' ? parseFlag(flag, spec.type, raw, spec.choices) : spec.defaults[mode]!;
    }
    return { mod, mode, flags, port: port ?? REFERENCE_TARGETS[mod.name].port };
  });
  // With no names, a target whose service is missing (db-pool without PostgreSQL) is skipped
  // with a warning rather than taking the others down.
  return { help: false as const, plans, faults, host, graceMs, instances, all: positionals.length === 0 };
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`floodgate targets: ${err instanceof Error ? err.message : String(err)}\n\n${usage()}\n`);
    process.exit(2);
  }
  if (parsed.help) {
    process.stdout.write(usage() + '\n');
    return;
  }
  const { plans, faults, host, graceMs, instances, all } = parsed;
  const running: RunningTarget[] = [];
  // On SIGINT/SIGTERM: stop accepting, let in-flight requests finish, exit 0; exit 1 if the
  // grace period runs out first.
  closeWithGrace({ delay: graceMs + 2_000, logger: false }, async ({ signal, err }) => {
    if (err) process.stderr.write(`floodgate targets: ${err instanceof Error ? err.stack : String(err)}\n`);
    if (signal) process.stdout.write(`floodgate targets: ${signal}, draining (up to ${graceMs} ms)\n`);
    await Promise.all(running.map((t) => t.close(graceMs)));
  });
  for (const p of plans) {
    try {
      const flags = [...Object.entries(p.flags).map(([k, v]) => `${k}=${v}`), ...[...faults].map((f) => `fault=${f}`)].join(' ');
      if (instances === 1) {
        const t = await p.mod.start({ mode: p.mode, host, port: p.port, flags: p.flags, faults });
        running.push(t);
        process.stdout.write(`floodgate target ${p.mod.name} (mode ${p.mode}; ${flags}) listening on ${t.url}\n`);
        continue;
      }
      // Each instance keeps its own state (an in-memory rate limiter counts alone), as
      // separate replicas would; only a shared store (Redis) makes them agree.
      const copies: RunningTarget[] = [];
      for (let i = 0; i < instances; i++) {
        const t = await p.mod.start({ mode: p.mode, host, port: 0, flags: p.flags, faults });
        copies.push(t);
        running.push(t);
        process.stdout.write(`floodgate target ${p.mod.name} instance ${i + 1}/${instances} at ${t.url}\n`);
      }
      const lb = await startBalancer({ host, port: p.port, upstreams: copies.map((c) => c.url) });
      running.unshift(lb); // stop taking new work at the balancer first
      process.stdout.write(
        `floodgate target ${p.mod.name} (mode ${p.mode}; ${flags}; ${instances} instances, round robin) listening on ${lb.url}\n`,
      );
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why =
        code === 'EADDRINUSE'
          ? `port ${p.port} is in use (another target running? pick one with --port)`
          : err instanceof Error
            ? err.message
            : String(err);
      process.stderr.write(`floodgate targets: cannot start ${p.mod.name}: ${why}${all ? ' (skipped; the others run)' : ''}\n`);
      if (all) continue;
      await Promise.all(running.map((t) => t.close(0)));
      process.exit(1);
    }
  }
}

// The ws and queue-offload targets fork workers that run this same bundle: they serve or drain, they do not parse a CLI.
if (process.env[QUEUE_WORKER_ENV]) await runQueueWorker();
else if (cluster.isWorker) runWsWorker();
else await main();
