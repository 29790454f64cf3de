/**
 * Business time. Due dates, expiries, record timestamps and the sandbox clock follow it;
 * security time (token lifetimes, rate limits) uses the real clock instead. Outside
 * production the sandbox can move it forward.
 */
export class Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Today's business date, `YYYY-MM-DD` in UTC. */
  today(): string {
    return this.now().toISOString().slice(0, 10);
  }

  setOffset(ms: number): void {
    this.offsetMs = ms;
  }

  get offset(): number {
    return this.offsetMs;
  }
}
