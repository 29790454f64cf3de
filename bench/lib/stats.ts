/** Latency summaries. All times are milliseconds (from `performance.now()`, microsecond resolution). */

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** Nearest-rank percentile of an ascending-sorted array (p in 0..100). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const rank = Math.ceil((p / 100) * n);
  return sorted[Math.min(n - 1, Math.max(0, rank - 1))]!;
}

export function summarize(samples: ArrayLike<number>, count = samples.length): LatencySummary {
  const sorted = Float64Array.from({ length: count }, (_, i) => samples[i]!).sort();
  let sum = 0;
  for (let i = 0; i < count; i++) sum += sorted[i]!;
  return {
    count,
    mean: count ? sum / count : NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: count ? sorted[count - 1]! : NaN,
  };
}

/** A growable Float64 sample buffer (no boxing, no per-sample allocation). */
export class Samples {
  private buf: Float64Array;
  length = 0;

  constructor(capacity = 16_384) {
    this.buf = new Float64Array(capacity);
  }

  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }

  summary(): LatencySummary {
    return summarize(this.buf, this.length);
  }
}

export const fmtMs = (v: number | undefined): string =>
  v === undefined || Number.isNaN(v) ? '—' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0);

export const fmtInt = (v: number | undefined): string =>
  v === undefined || Number.isNaN(v) ? '—' : Math.round(v).toLocaleString('en-US');
