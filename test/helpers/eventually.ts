// Waits for a condition instead of for a time: reads until the value satisfies `ok`, or fails
// with the last value read once `timeoutMs` has passed. A fixed sleep is a guess about this
// machine's speed; a deadline is only an upper bound.
import { setTimeout as sleep } from 'node:timers/promises';

export async function eventually<T>(what: string, read: () => Promise<T> | T, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await sleep(25);
  }
}
