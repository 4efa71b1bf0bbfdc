// One process's CPU and memory, read from /proc (no ps parsing): what the benches sample.
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * CPU seconds (user + system) used so far and RSS bytes of one process; null once it is gone.
 * RSS is 0 for a process with none (a kernel thread, a zombie).
 */
export function processUsage(pid: number | string): { cpuSeconds: number; rssBytes: number } | null {
  try {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return { cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND, rssBytes: Number(kb ?? 0) * 1024 };
  } catch {
    return null;
  }
}
