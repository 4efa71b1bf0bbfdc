// @ts-check
// Prettier formats every TypeScript, JavaScript, JSON, YAML and Markdown-free file of the tree
// (`npm run format`; `npm run lint` and `npm test` check it). Options differ from Prettier's
// defaults only where the tree already had a house style.
/** @type {import('prettier').Config} */
export default {
  // Wide enough for a k6 option with its "why" on the same line; a diff still fits side by side.
  printWidth: 140,
  // The house style since the first commit: single quotes in code, double in JSON (JSON's own rule).
  singleQuote: true,
  // Diffs that add an argument or a field touch one line, not two.
  trailingComma: 'all',
  // YAML keeps double quotes: compose and Grafana provisioning files read like their docs.
  overrides: [{ files: ['*.yml', '*.yaml'], options: { singleQuote: false } }],
};
