// Shim of k6/execution: one VU on its first iteration of the default scenario.
export default {
  vu: { idInTest: 1, iterationInInstance: 0, iterationInScenario: 0 },
  scenario: { name: 'default', iterationInTest: 0 },
  test: {
    abort(message?: string): never {
      throw new Error(`test aborted: ${message ?? ''}`);
    },
  },
};
