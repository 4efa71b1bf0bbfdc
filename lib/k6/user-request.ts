// Each turn's request of burst, breaking-point and recovery: the one your request module gives
// (lib/request.ts says its shape), or the scenario's own. What the module returns is checked
// every time, and a wrong answer stops the test saying what was wrong, not a request later.
import exec from 'k6/execution';
import { PREFIX } from '../fail.ts';
import { resolveRequest, type ResolvedRequest } from '../request.ts';
import { requestModule } from './request-module.ts';

const env = __ENV as Record<string, string | undefined>;
const where = () => `the request module ${requestModule.file ?? ''}`.trimEnd();

/** Whether a request module was bundled in (npm run build -- --request). */
export const customRequest = requestModule.request !== undefined;

/** In setup(): the module's own setup (tokens per user, say), its answer handed to every turn. */
export function requestSetup(scenario: string, baseUrl: string, users: readonly string[]): unknown {
  if (!requestModule.setup) return undefined;
  try {
    return requestModule.setup({ scenario, baseUrl, users, env });
  } catch (err) {
    exec.test.abort(`${PREFIX} ${where()}: its setup() threw: ${String(err)}`);
    return undefined;
  }
}

/** This turn's request: the module's, checked, or the scenario's own `builtIn` without a module. */
export function turnRequest(o: {
  scenario: string;
  baseUrl: string;
  user: string;
  setup: unknown;
  builtIn: ResolvedRequest;
}): ResolvedRequest {
  if (!requestModule.request) return o.builtIn;
  let spec: unknown;
  try {
    spec = requestModule.request({ scenario: o.scenario, user: o.user, iteration: exec.scenario.iterationInTest, env, setup: o.setup });
  } catch (err) {
    exec.test.abort(`${PREFIX} ${where()}: request() threw for user ${o.user} in ${o.scenario}: ${String(err)}`);
  }
  const resolved = resolveRequest(spec, o.baseUrl);
  if ('error' in resolved) {
    exec.test.abort(`${PREFIX} ${where()}, asked for user ${o.user}'s request in ${o.scenario}: ${resolved.error}`);
    throw new Error('unreachable: the test was aborted');
  }
  return resolved;
}

/** The user of a client scenario's turn (breaking-point, recovery): its VU, as `client-<n>`. */
export const clientUser = () => `client-${exec.vu.idInTest}`;

/** Every user a client scenario of `vus` VUs at most may name. */
export const clientUsers = (vus: number) => Array.from({ length: vus }, (_, i) => `client-${i + 1}`);
