// What build.mjs bakes into a bundle (lib/provenance.ts); absent when k6 runs a scenario's .ts itself.
declare const __FLOODGATE_BUILD__: import('../provenance.ts').BuildFacts | undefined;

// k6 has a console (log, info, warn, error, debug) that @types/k6 does not declare.
declare const console: {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
  debug(...data: unknown[]): void;
};
