// Start and stop for the targets' HTTP servers: listen, count requests in flight, and on close
// stop accepting, let in-flight requests finish up to a deadline, then cut what is left.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningTarget } from './target.ts';

/** Listens on host:port (0: any free port) and resolves with the port. `backlog`: Node's default (511) unless given. */
export async function listen(server: Server, port: number, host: string, backlog?: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, ...(backlog !== undefined ? { backlog } : {}) }, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** Counts requests in flight and says when there are none. */
export class Inflight {
  private active = 0;
  private waiters: (() => void)[] = [];

  /** Call when a request arrives; call the returned function once when it is done. */
  begin(): () => void {
    this.active++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.active === 0) for (const w of this.waiters.splice(0)) w();
    };
  }

  /** Resolves when nothing is in flight, or after `deadlineMs`, whichever is first. */
  async settled(deadlineMs: number): Promise<void> {
    if (this.active === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise<void>((r) => this.waiters.push(r)), new Promise<void>((r) => (timer = setTimeout(r, deadlineMs)))]);
    clearTimeout(timer);
  }
}

/** Graceful close: no new connections, idle ones closed, in-flight finished or cut at the deadline. */
export async function drain(server: Server, inflight: Inflight, deadlineMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await inflight.settled(deadlineMs);
  server.closeAllConnections();
  await closed;
}

/** The same running target, with `cleanup` (a pool, an upstream, a Redis client) after its close. */
export function closingAlso<T extends RunningTarget>(target: T, cleanup: (deadlineMs: number) => Promise<void>): T {
  return {
    ...target,
    async close(deadlineMs: number) {
      await target.close(deadlineMs);
      await cleanup(deadlineMs);
    },
  };
}

/** Burns `micros` of CPU: the work a reference target's request or pending call costs it. */
export function burnCpu(micros: number): void {
  const end = performance.now() + micros / 1000;
  while (performance.now() < end) {
    // busy on purpose
  }
}
