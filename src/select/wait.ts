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

/** A wait that a persistent poll object resolves itself (its registrations already watch). */
export function wait_for_wake(ms: number | null, arm: (wake: (() => void) | null) => void): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      arm(null);
      resolve();
    };
    const timer = setTimeout(done, ms === null ? MAX_TIMER_MS : Math.min(Math.max(ms, 0), MAX_TIMER_MS));
    arm(done);
  });
}
