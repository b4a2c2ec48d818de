// Waiting for readiness: one yield to Node per call, then one timer and the watchers' wake-ups.
import type { Pollable, Watcher } from "../socket/index.js";
import type { Interrupt } from "./interrupt.js";

/** Let Node run its I/O callbacks once (sockets deliver their events there). */
export function yield_to_node(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// Node caps timers at 2^31-1 ms; a longer wait re-arms.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Resolve when any of `targets` notifies, the interrupt fires, or `ms` pass (null: forever).
 * The ref'd timer is what keeps the process alive while a loop waits, as a process blocked
 * in select() stays alive in Python.
 */
export function wait_for_change(
  targets: Iterable<Pollable>,
  ms: number | null,
  interrupt?: Interrupt,
): Promise<void> {
  return new Promise((resolve) => {
    const watched: Pollable[] = [];
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      for (const p of watched) p.unwatch(watcher);
      interrupt?.arm(null);
      resolve();
    };
    const watcher: Watcher = { changed: done };
    for (const p of targets) {
      p.watch(watcher);
      watched.push(p);
    }
    interrupt?.arm(done);
    timer = setTimeout(done, ms === null ? MAX_TIMER_MS : Math.min(Math.max(ms, 0), MAX_TIMER_MS));
  });
}

/**
 * The wait of a persistent poll object: its registrations already watch, so a wait is just a
 * promise and a timer. The timer is kept and re-armed (refresh) rather than made per wait, and
 * unref'd between waits so that it never keeps the process alive on its own.
 */
export class Sleeper {
  private timer: NodeJS.Timeout | null = null;
  private timer_ms = -1;
  private resolve: (() => void) | null = null;

  /** End the wait in progress, if any (cheap when there is none). */
  readonly wake = (): void => {
    const r = this.resolve;
    if (r !== null) {
      this.resolve = null;
      this.timer?.unref();
      r();
    }
  };

  /** Resolve after `ms` (null: forever) or at wake(), whichever comes first. */
  sleep(ms: number | null): Promise<void> {
    const d = ms === null ? MAX_TIMER_MS : Math.min(Math.max(Math.ceil(ms), 0), MAX_TIMER_MS);
    return new Promise((resolve) => {
      this.resolve = resolve;
      if (this.timer !== null && this.timer_ms === d) {
        this.timer.refresh();
        this.timer.ref();
      } else {
        if (this.timer !== null) clearTimeout(this.timer);
        this.timer = setTimeout(this.wake, d);
        this.timer_ms = d;
      }
    });
  }
}
