// `npm run suite -- <scenario> [<scenario> ...] [-- k6 run args]` or `npm run suite -- --file
// suite.json [-- k6 run args]`: several scenarios as one gated test (harness/suite.ts).
import { join } from 'node:path';
import { UsageError } from '../lib/fail.ts';
import { fileStamp } from '../lib/summary.ts';
import { buildAll } from '../harness/build-step.mjs';
import { repoRoot } from '../harness/paths.mjs';
import { envArg } from '../harness/results-dir.mjs';
import { renderSuite, runSuite, suiteCode, suitePlan, writeSuite } from '../harness/suite.ts';

const USAGE = `usage: npm run suite -- <scenario> [<scenario> ...] [-- k6 run arguments]
       npm run suite -- --file suite.json [-- k6 run arguments]
  Each scenario runs in turn against its reference target (or -e BASE_URL=...), its results in
  RESULTS_DIR/suite-<time>/<scenario>/; one summary, JSON and JUnit for all. Exit 99 if any gate failed.
  A suite file: {"scenarios": ["echo", {"name": "burst", "args": ["-e", "USERS=50"]}]}`;

let plan;
try {
  plan = suitePlan(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`floodgate suite: ${err.message}\n${USAGE}\n`);
  process.exit(2);
}
buildAll();
const cwd = process.env.INIT_CWD ?? process.cwd();
const given = envArg(plan.args, 'RESULTS_DIR') ?? 'results';
const dir = join(given.startsWith('/') ? given : join(cwd === repoRoot ? repoRoot : cwd, given), `suite-${fileStamp(new Date())}`);
const runs = await runSuite(plan, dir, (line) => process.stderr.write(`floodgate ${line}\n`));
process.stdout.write(renderSuite(runs));
process.stdout.write(`Suite results: ${writeSuite(runs, dir).join(', ')}\n`);
process.exit(suiteCode(runs));
