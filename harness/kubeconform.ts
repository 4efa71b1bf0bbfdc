// Offline validation of the manifests the pack writes: kubeconform (pinned, built into the cache)
// against the schemas kept in schemas/ (the TestRun CRD of the pinned k6-operator, ConfigMap v1),
// strict: an unknown key fails as a wrong type or a missing field does. Nothing is fetched.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureGoTool } from './go-tool.mjs';
import { repoRoot } from './paths.mjs';

/** Where kubeconform finds a kind's schema: schemas/<group>/<kind>_<version>.json, the core group's in schemas/. */
export const SCHEMA_LOCATIONS = [
  join(repoRoot, 'schemas', '{{.Group}}', '{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'),
  join(repoRoot, 'schemas', '{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'),
];

export interface Validation {
  ok: boolean;
  /** kubeconform's own report, one line per problem. */
  out: string;
}

export function validateManifests(files: string[]): Validation {
  const locations = SCHEMA_LOCATIONS.flatMap((l) => ['-schema-location', l]);
  const r = spawnSync(ensureGoTool('kubeconform'), ['-strict', '-summary', ...locations, ...files], { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
