// The in-process self-pipe: lets code outside a waiting select/poll wake it (a channel added, output queued).
import { Sleeper } from "./wait.js";

export class Interrupt {
  /** The waits of whoever uses this interrupt (one map's loop): firing ends the one in progress. */
  readonly sleeper = new Sleeper();
  private fired = false;

  /** Wake the wait in progress, or make the next one return at once. */
  fire(): void {
    this.fired = true;
    this.sleeper.wake();
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
}
