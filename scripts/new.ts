// `npm run new -- <name> --like <scenario>`: scaffolds a scenario as a copy of one that exists
// (harness/scaffold.ts), fills its generated docs, and formats what it wrote.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { UsageError } from '../lib/fail.ts';
import { repoRoot } from '../harness/paths.mjs';
import { readRepoFile } from '../harness/docs.ts';
import { scaffoldFiles, scaffoldPlan, USAGE, writeScaffold } from '../harness/scaffold.ts';

let written: string[];
try {
  const plan = scaffoldPlan(process.argv.slice(2), repoRoot);
  written = writeScaffold(repoRoot, scaffoldFiles(plan, readRepoFile));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`floodgate new: ${err.message}\n${USAGE}\n`);
  process.exit(2);
}
// In child processes: the catalogue this process loaded does not have the new scenario yet.
const run = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(process.execPath, ['--import', 'tsx', 'scripts/docs.ts']);
run(join(repoRoot, 'node_modules', '.bin', 'prettier'), ['--write', '--log-level', 'warn', ...written]);
const [name] = process.argv.slice(2);
process.stdout.write(
  `floodgate new: ${name} written:\n${written.map((f) => `  ${f}`).join('\n')}\n  (and README.md's scenario table)\n` +
    `Next: npm test -- test/e2e/${name}.test.ts; then make scenarios/${name}.ts yours, and its test with it.\n`,
);
