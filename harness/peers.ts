// Peers: small Go services under test/peers/, written the way Go developers write them with the
// ecosystem's usual libraries (client_golang, golang-jwt, go-redis, pgx...), and none of the
// reference targets' code. The suite aims the scenarios at them to prove the pack judges services
// it did not write. Each is its own module, built pinned into the cache (harness/go-target.mjs),
// and started on a free loopback port: `-addr 127.0.0.1:<port>`, ready when /healthz answers.
import { spawn } from 'node:child_process';
import { ensureGoModule } from './go-target.mjs';
import { freePort, stopChild } from './services.ts';

export interface Peer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** What it printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, and its exit code. */
  stop(): Promise<number | null>;
}

/** Starts peer `name` (test/peers/<name>) with `args` after its -addr, and waits until /healthz answers. */
export async function startPeer(name: string, args: string[] = []): Promise<Peer> {
  const bin = ensureGoModule(`test/peers/${name}`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(bin, ['-addr', `127.0.0.1:${port}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const up = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.status < 500,
      () => false,
    );
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`peer ${name} ${args.join(' ')} did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    output: () => out,
    async stop() {
      await stopChild(child);
      return child.exitCode;
    },
  };
}
