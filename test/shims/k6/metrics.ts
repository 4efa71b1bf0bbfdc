// Shim of k6/metrics: every add() is kept in `samples`, for tests to read.
export interface Sample {
  metric: string;
  value: number;
  tags: Record<string, string>;
}
export const samples: Sample[] = [];

class Metric {
  constructor(readonly name: string) {}
  add(value: number | boolean, tags: Record<string, string> = {}): void {
    samples.push({ metric: this.name, value: Number(value), tags });
  }
}
export class Counter extends Metric {}
export class Rate extends Metric {}
export class Trend extends Metric {}
export class Gauge extends Metric {}
