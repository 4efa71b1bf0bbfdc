// @ts-check
// `npm run targets -- ...`: installs and builds if needed, then runs the targets in the foreground.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureDeps } from '../harness/ensure-deps.mjs';
import { buildAll } from '../harness/build-step.mjs';
import { repoRoot } from '../harness/paths.mjs';

ensureDeps();
buildAll();
const child = spawn(process.execPath, ['--enable-source-maps', join(repoRoot, 'dist', 'targets.mjs'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 143 : 1)));
