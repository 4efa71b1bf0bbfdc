// The request module bundled into the scenarios that send one request a turn. None here: each
// scenario sends its own. `npm run build -- --request ./my-api.ts` bundles yours in its place
// (build.mjs), and lib/k6/user-request.ts asks it for each turn's request.
import type { RequestModule } from '../request.ts';

export const requestModule: Partial<RequestModule> & { file?: string } = {};
