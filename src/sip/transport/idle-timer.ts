import type { Clock, TimerHandle } from '../../formats/clock.js';

/**
 * Calls `onIdle` once nothing was `touch`ed for `timeoutMs`. One clock
 * timer at a time, re-armed for the remainder when activity happened since
 * it was set, so busy connections cost no timer churn.
 */
export class IdleTimer {
  private last: number;
  private handle: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly onIdle: () => void,
  ) {
    this.last = clock.now();
    if (timeoutMs > 0 && Number.isFinite(timeoutMs)) this.arm(timeoutMs);
  }

  touch(): void {
    this.last = this.clock.now();
  }

  stop(): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
  }

  private arm(ms: number): void {
    this.handle = this.clock.setTimeout(() => this.check(), ms);
  }

  private check(): void {
    this.handle = undefined;
    const idle = this.clock.now() - this.last;
    if (idle >= this.timeoutMs) this.onIdle();
    else this.arm(this.timeoutMs - idle);
  }
}
