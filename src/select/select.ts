// select.select(): which of the given descriptors are readable, writable, exceptional.
import { EBADF, ValueError, os_error } from "../errno/index.js";
import {
  POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, type Pollable,
} from "../socket/index.js";
import type { Interrupt } from "./interrupt.js";
import { check_sequences, pollable_of, type FileLike } from "./resolve.js";
import { Sleeper, wait_for_change, yield_to_node } from "./wait.js";

// Linux's fs/select.c sets.
const READ_SET = POLLIN | POLLHUP | POLLERR;
const WRITE_SET = POLLOUT | POLLERR;
const EXCEPT_SET = POLLPRI;

/** select()'s timeout argument checked as Python checks it (seconds; null: forever). */
export function check_timeout(timeout: number | null | undefined): number | null {
  if (timeout === undefined || timeout === null) return null;
  if (typeof timeout !== "number" || Number.isNaN(timeout)) {
    throw new TypeError("timeout must be a float or None");
  }
  if (timeout < 0) throw new ValueError("timeout must be non-negative");
  return timeout;
}

function ready<T extends FileLike>(items: readonly T[], ps: readonly Pollable[], set: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < items.length; i++) {
    const f = (ps[i] as Pollable).poll_flags();
    if (f & POLLNVAL) throw os_error(EBADF);
    if (f & set) out.push(items[i] as T);
  }
  return out;
}

/**
 * Python's select.select(rlist, wlist, xlist[, timeout]) with timeout in seconds (null: wait
 * forever). Resolves to the ready subsets, each in its list's order. `interrupt` is this
 * library's in-process self-pipe: firing it ends the wait early with nothing ready.
 */
export async function select<R extends FileLike, W extends FileLike, X extends FileLike>(
  rlist: readonly R[],
  wlist: readonly W[],
  xlist: readonly X[],
  timeout?: number | null,
  interrupt?: Interrupt,
): Promise<[R[], W[], X[]]> {
  check_sequences(rlist, wlist, xlist);
  const secs = check_timeout(timeout);
  const rp = rlist.map(pollable_of);
  const wp = wlist.map(pollable_of);
  const xp = xlist.map(pollable_of);
  const deadline = secs === null ? Infinity : performance.now() + secs * 1000;
  const all = new Set<Pollable>([...rp, ...wp, ...xp]);
  // Every call yields to Node once: the wait when there is one, else a yield before answering.
  let yielded = false;
  for (;;) {
    const r = ready(rlist, rp, READ_SET);
    const w = ready(wlist, wp, WRITE_SET);
    const x = ready(xlist, xp, EXCEPT_SET);
    const found = r.length > 0 || w.length > 0 || x.length > 0;
    const left = deadline - performance.now();
    const interrupted = interrupt?.consume() === true;
    if ((found || left <= 0 || interrupted) && !yielded) {
      await yield_to_node();
      yielded = true;
      // Code that ran during the yield may have closed a descriptor of the lists (a timer
      // closing a channel); the interrupt says so, and the caller rebuilds its lists.
      if (interrupted || interrupt?.consume()) return [[], [], []];
      continue;
    }
    if (found || left <= 0 || interrupted) return [r, w, x];
    const sleeper = interrupt?.sleeper ?? new Sleeper();
    try {
      await wait_for_change(all, Number.isFinite(left) ? left : null, sleeper);
    } finally {
      if (sleeper !== interrupt?.sleeper) sleeper.dispose();
    }
    yielded = true;
    if (interrupt?.consume()) return [[], [], []];
  }
}
