// slow-upstream-go: the slow-upstream target written as the study's own kind of service, in Go
// (targets/slow-upstream-go/: net/http, client_golang, gobreaker, x/sync/semaphore). This module
// builds it (pinned, cached) and runs it as a child process, with the Node target's modes,
// faults and flags less the CPU cost model: in Go what piles up is goroutines and memory.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { ensureGoTarget } from '../harness/go-target.mjs';
import { slowUpstream } from './slow-upstream.ts';
import type { RunningTarget, TargetModule } from './target.ts';

const { 'pending-cost-us': _cost, ...flags } = slowUpstream.flags;

export const slowUpstreamGo: TargetModule = {
  name: 'slow-upstream-go',
  modes: slowUpstream.modes,
  describe: {
    protected: `${slowUpstream.describe.protected!}; a Go service exporting slow_calls_in_flight, go_goroutines, process_resident_memory_bytes`,
    naive: 'no limits, no timeout, no breaker: a goroutine per slow call piles up',
  },
  faults: slowUpstream.faults,
  flags: {
    ...flags,
    // For a fault proxy between the service and its upstream (npm run faults; docs/faults.md).
    'upstream-listen': {
      describe: 'where the upstream listens (loopback; host:port, port 0 for any)',
      type: 'string',
      defaults: { protected: '127.0.0.1:0', naive: '127.0.0.1:0' },
    },
    'upstream-url': {
      describe: "where the service calls its upstream: the fault proxy's listen address, say (empty: the upstream itself)",
      type: 'string',
      defaults: { protected: '', naive: '' },
    },
  },
  async start({ mode, host, port, flags: values, faults }): Promise<RunningTarget> {
    const bin = ensureGoTarget('slow-upstream-go');
    // -stdin-lifeline: if this process dies, even by SIGKILL, its pipe closes and the service stops too.
    const args = ['-stdin-lifeline', `-host=${host}`, `-port=${port}`, `-mode=${mode}`, `-fault=${[...faults].join(',')}`];
    for (const [flag, value] of Object.entries(values)) args.push(`-${flag}=${value}`);
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      process.stderr.write(d);
    });
    // Its own "listening on" line is read here, not passed on: the CLI prints the target's line.
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => {
        const inUse = /address already in use/.test(err);
        reject(Object.assign(new Error(inUse ? `port ${port} is in use` : `exited with ${code}`), inUse ? { code: 'EADDRINUSE' } : {}));
      });
    });
    return {
      url,
      port: Number(new URL(url).port),
      async close(deadlineMs) {
        if (child.exitCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM'); // the service drains for its -grace-ms, then cuts the rest
        const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs + 1_000);
        await exited;
        clearTimeout(timer);
      },
    };
  },
};
