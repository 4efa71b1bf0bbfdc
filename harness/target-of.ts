// `node --import tsx harness/target-of.ts <scenario> [--url]`: the scenario's reference target
// (or its URL), for scripts and CI workflows that start it before `k6 run`.
import { runCommand, scenarioFirst } from './cli-args.ts';
import { SCENARIOS } from '../lib/catalog/index.ts';
import { referenceUrl } from '../lib/reference-targets.ts';

await runCommand('target-of', 'usage: node --import tsx harness/target-of.ts <scenario> [--url]', (argv) => {
  const { scenario, rest } = scenarioFirst(argv);
  const target = SCENARIOS[scenario]!.target;
  process.stdout.write(`${rest.includes('--url') ? referenceUrl(target) : target}\n`);
});
