// `npm run operator -- <scenario> --parallelism N [-e KEY=value ...]`: manifests for k6-operator
// (harness/operator.ts).
import { OPERATOR_USAGE, parseOperatorArgs, writeOperator } from '../harness/operator.ts';
import { runCommand } from '../harness/cli-args.ts';

await runCommand('operator', OPERATOR_USAGE, (argv) => {
  writeOperator(parseOperatorArgs(argv));
});
