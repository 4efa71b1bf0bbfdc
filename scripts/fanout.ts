// `npm run fanout -- <scenario> --procs N [--first-ip 127.0.0.11] [k6 run args]`: one test split
// over N k6 processes on this machine, their summaries merged into one verdict (harness/fanout.ts).
import { runFanout } from '../harness/fanout.ts';

try {
  process.exit(await runFanout(process.argv.slice(2)));
} catch (err) {
  process.stderr.write(`floodgate fanout: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
