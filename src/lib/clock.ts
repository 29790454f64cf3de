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

  /** Business instant on `day` (YYYY-MM-DD) at the clock's current time of day. */
  at(day: string): Date {
    const now = this.now();
    return new Date(Date.parse(`${day}T00:00:00Z`) + (now.getTime() % 86_400_000));
  }

  setOffset(ms: number): void {
    this.offsetMs = ms;
  }

  get offset(): number {
    return this.offsetMs;
  }
}
