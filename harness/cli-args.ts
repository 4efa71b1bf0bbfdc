// What the pack's Node commands that take a scenario share: the scenario named first, an
// InfluxDB given as k6's --out takes it, and the run of the command with its usage on bad input.
import { UsageError } from '../lib/fail.ts';
import { SCENARIOS } from '../lib/catalog/index.ts';

/** `<scenario> [options]`: the scenario, checked, and the rest. */
export function scenarioFirst(argv: readonly string[]): { scenario: string; rest: string[] } {
  const [scenario, ...rest] = argv;
  if (!scenario || scenario.startsWith('-')) throw new UsageError('name a scenario first');
  if (!SCENARIOS[scenario]) throw new UsageError(`no scenario "${scenario}" (scenarios: ${Object.keys(SCENARIOS).join(', ')})`);
  return { scenario, rest };
}

/** http(s)://host:port/database, as k6's `--out influxdb=` takes it. */
export const INFLUX_URL = /^(https?:\/\/[^/\s]+)\/([\w-]+)$/;

/**
 * Runs a command: --help prints `usage`; a UsageError prints the message and the usage (exit 2);
 * another error its message (exit 1); else exits with what `main` returns (0 if nothing).
 */
export async function runCommand(
  name: string,
  usage: string,
  main: (argv: string[]) => Promise<number | void> | number | void,
): Promise<never> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  try {
    process.exit((await main(argv)) ?? 0);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`floodgate ${name}: ${message}\n${err instanceof UsageError ? `\n${usage}\n` : ''}`);
    process.exit(err instanceof UsageError ? 2 : 1);
  }
}
