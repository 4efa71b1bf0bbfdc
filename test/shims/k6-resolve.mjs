// @ts-check
// Module resolve hook: `k6` -> ./k6/index.ts, `k6/metrics` -> ./k6/metrics.ts, and so on.
/**
 * @param {string} specifier
 * @param {object} context
 * @param {(specifier: string, context: object) => Promise<unknown>} next
 */
export async function resolve(specifier, context, next) {
  if (specifier === 'k6' || specifier.startsWith('k6/')) {
    const name = specifier === 'k6' ? 'index' : specifier.slice(3);
    return next(new URL(`./k6/${name}.ts`, import.meta.url).href, context);
  }
  return next(specifier, context);
}
