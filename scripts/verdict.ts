// `npm run verdict -- <scenario> --testid <id> [--influxdb URL/db]`: one verdict over every
// runner of a test, from the samples they wrote to InfluxDB (harness/verdict.ts).
import { parseVerdictArgs, runVerdict, VERDICT_USAGE } from '../harness/verdict.ts';
import { runCommand } from '../harness/cli-args.ts';

await runCommand('verdict', VERDICT_USAGE, (argv) => runVerdict(parseVerdictArgs(argv)));
