// The in-process self-pipe: lets code outside a waiting select/poll wake it (a channel added, output queued).

export class Interrupt {
  private waker: (() => void) | null = null;
  private fired = false;

  /** Wake the wait in progress, or make the next one return at once. */
  fire(): void {
    this.fired = true;
    this.waker?.();
  }

  /** Forget a wake-up that came before the caller looked at its state. */
  reset(): void {
    this.fired = false;
  }

  /** True (and cleared) if fired since the last reset/consume. */
  consume(): boolean {
    const f = this.fired;
    this.fired = false;
    return f;
  }

  /** @internal set by a waiting select/poll */
  arm(waker: (() => void) | null): void {
    this.waker = waker;
  }
}
