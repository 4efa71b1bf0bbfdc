// `npm run verdict -- <scenario> --testid <id> [--influxdb URL/db]`: one verdict over every
// runner of a test, from the samples they wrote to InfluxDB (harness/verdict.ts).
import { parseVerdictArgs, runVerdict, VERDICT_USAGE } from '../harness/verdict.ts';
import { UsageError } from '../lib/fail.ts';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(`${VERDICT_USAGE}\n`);
  process.exit(0);
}
try {
  process.exit(await runVerdict(parseVerdictArgs(argv)));
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`floodgate verdict: ${message}\n${err instanceof UsageError ? `\n${VERDICT_USAGE}\n` : ''}`);
  process.exit(err instanceof UsageError ? 2 : 1);
}
