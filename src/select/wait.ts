// Waiting for readiness: one yield to Node per call, then one timer and the watchers' wake-ups.
import type { Pollable, Watcher } from "../socket/index.js";

// performance and setTimeout are read from globalThis (not imported), here and in the waits that
// use them: a test's fake clock (sinon's) then drives the loops' deadlines and timers together.

/** Let Node run its I/O callbacks once (sockets deliver their events there). */
export function yield_to_node(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// Node caps timers at 2^31-1 ms; a longer wait re-arms.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Resolve when any of `targets` notifies, `sleeper` is woken (the interrupt), or `ms` pass
 * (null: forever).
 */
export async function wait_for_change(targets: Iterable<Pollable>, ms: number | null, sleeper: Sleeper): Promise<void> {
  const watcher: Watcher = { changed: sleeper.wake };
  const watched: Pollable[] = [];
  for (const p of targets) {
    p.watch(watcher);
    watched.push(p);
  }
  try {
    await sleeper.sleep(ms);
  } finally {
    for (const p of watched) p.unwatch(watcher);
  }
}

/**
 * A wait: a promise, ended by wake() or by its deadline. The timer behind the deadlines is
 * armed lazily: a wait whose deadline comes after the armed timer's keeps it (when it fires
 * early, it is re-armed for the rest), so a loop that waits with the same timeout every
 * iteration touches no timer at all. The ref'd timer is what keeps the process alive while a
 * loop waits, as a process blocked in select() stays alive in Python; it is unref'd between
 * waits unless a running loop holds it.
 */
export class Sleeper {
  private timer: NodeJS.Timeout | null = null;
  /** When the armed timer fires (performance.now() time); Infinity when none is armed. */
  private timer_at = Infinity;
  private deadline = Infinity;
  private resolve: (() => void) | null = null;
  private holds = 0;

  /** End the wait in progress, if any (cheap when there is none). */
  readonly wake = (): void => {
    const r = this.resolve;
    if (r !== null) {
      this.resolve = null;
      if (this.holds === 0) this.timer?.unref();
      r();
    }
  };

  /** A wake_soon() is scheduled. */
  private soon = false;

  /**
   * End the wait in progress once Node has run the rest of its current I/O callbacks: a
   * descriptor became ready. Sockets that become ready in the same turn of Node's loop are then
   * answered by one select()/poll(), as the kernel's select() reports every descriptor ready at
   * the time, instead of one iteration per socket's callback (the wait's continuation would
   * otherwise run between two callbacks of one turn).
   */
  readonly wake_soon = (): void => {
    if (this.resolve === null || this.soon) return;
    this.soon = true;
    setImmediate(this.woken_soon);
  };

  private readonly woken_soon = (): void => {
    this.soon = false;
    this.wake();
  };

  private readonly on_timer = (): void => {
    this.timer_at = Infinity;
    if (this.resolve === null) return;
    const left = this.deadline - performance.now();
    if (left <= 0.5) this.wake();
    else this.arm(left);
  };

  private arm(ms: number): void {
    const d = Math.min(Math.max(Math.ceil(ms), 0), MAX_TIMER_MS);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(this.on_timer, d);
    this.timer_at = performance.now() + d;
  }

  /** Resolve after `ms` (null: forever) or at wake(), whichever comes first. */
  sleep(ms: number | null): Promise<void> {
    const now = performance.now();
    this.deadline = ms === null ? Infinity : now + ms;
    this.ms = ms;
    return new Promise(this.start);
  }

  /** The wait's `ms`, for start(). */
  private ms: number | null = null;

  /** sleep()'s promise executor, made once: no closure per wait. */
  private readonly start = (resolve: () => void): void => {
    this.resolve = resolve;
    if (this.timer_at === Infinity || this.timer_at > this.deadline + 0.5) {
      this.arm(this.ms === null ? MAX_TIMER_MS : this.ms);
    } else {
      (this.timer as NodeJS.Timeout).ref();
    }
  };

  /** Stop the timer (a one-off sleeper that will not wait again). */
  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timer_at = Infinity;
  }

  /** A running loop keeps the timer ref'd between its waits (no toggling every iteration). */
  hold(): void {
    this.holds++;
  }

  /** The loop is done: between waits the timer no longer keeps the process alive. */
  release(): void {
    this.holds--;
    if (this.holds === 0 && this.resolve === null) this.timer?.unref();
  }
}
