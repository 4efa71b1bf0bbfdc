// A run's id: the prefix of every key a scenario writes, so its ledger check reads only this
// run's writes, whatever earlier runs left in the same store.
export function newRunId(): string {
  return `fg${Date.now().toString(36)}${Math.floor(Math.random() * 1e9).toString(36)}`;
}
