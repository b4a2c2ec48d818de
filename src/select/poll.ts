// select.poll(): persistent registrations that hear readiness changes, so a poll costs O(ready), not O(registered).
import { ENOENT, KeyError, os_error } from "../errno/index.js";
import {
  lookup_fd, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, Pollable, type Watcher,
} from "../socket/index.js";
import type { Interrupt } from "./interrupt.js";
import { check_eventmask, fd_of, type FileLike } from "./resolve.js";
import { Sleeper, yield_to_node } from "./wait.js";

/** A number that no open descriptor has: poll reports it POLLNVAL, as Linux does. */
class Closed extends Pollable {
  constructor(private readonly fd: number) {
    super();
  }
  fileno(): number {
    return this.fd;
  }
  poll_flags(): number {
    return POLLNVAL;
  }
}

const ALWAYS = POLLERR | POLLHUP | POLLNVAL;

function by_fd(a: [number, number], b: [number, number]): number {
  return a[0] - b[0];
}

/**
 * Sort the ready pairs by fd. A few at a time (the usual case) by insertion, in place: Array's
 * sort() costs a builtin call and a call of the comparator per comparison.
 */
function sort_by_fd(out: Array<[number, number]>): void {
  const n = out.length;
  if (n > 16) {
    out.sort(by_fd);
    return;
  }
  for (let i = 1; i < n; i++) {
    const x = out[i] as [number, number];
    let j = i - 1;
    while (j >= 0 && (out[j] as [number, number])[0] > x[0]) {
      out[j + 1] = out[j] as [number, number];
      j--;
    }
    out[j + 1] = x;
  }
}

class Registration implements Watcher {
  constructor(
    readonly owner: poll,
    readonly fd: number,
    /** Follows the descriptor when another object takes it over (ssl wrap: Pollable.hand_watchers_to). */
    public target: Pollable,
    public mask: number,
  ) {}

  changed(p: Pollable): void {
    this.target = p;
    this.owner.candidate(this);
  }
}

export class poll {
  private readonly regs = new Map<number, Registration>();
  /** Registrations that may be ready: told of a change, or ready at the last poll. */
  private readonly candidates = new Set<Registration>();
  private readonly own_sleeper = new Sleeper();
  /** The sleeper of the wait in progress: the interrupt's when one was given. */
  private sleeper: Sleeper | null = null;

  /** Watch `fd` for `eventmask` (default POLLIN|POLLPRI|POLLOUT); registering again modifies. */
  register(fd: FileLike, eventmask: number = POLLIN | POLLPRI | POLLOUT): void {
    const n = fd_of(fd);
    check_eventmask(eventmask);
    const old = this.regs.get(n);
    if (old && old.target === (lookup_fd(n) ?? old.target)) {
      old.mask = eventmask;
      this.candidate(old);
      return;
    }
    if (old) this.drop(old);
    const target = lookup_fd(n) ?? new Closed(n);
    const reg = new Registration(this, n, target, eventmask);
    this.regs.set(n, reg);
    target.watch(reg);
    this.candidate(reg);
  }

  modify(fd: FileLike, eventmask: number): void {
    const n = fd_of(fd);
    check_eventmask(eventmask);
    const reg = this.regs.get(n);
    if (!reg) throw os_error(ENOENT);
    reg.mask = eventmask;
    this.candidate(reg);
  }

  unregister(fd: FileLike): void {
    const n = fd_of(fd);
    const reg = this.regs.get(n);
    if (!reg) throw new KeyError(n);
    this.drop(reg);
  }

  private drop(reg: Registration): void {
    this.regs.delete(reg.fd);
    this.candidates.delete(reg);
    reg.target.unwatch(reg);
  }

  /** @internal a registration's descriptor changed */
  candidate(reg: Registration): void {
    this.candidates.add(reg);
    this.sleeper?.wake_soon();
  }

  /**
   * @internal The registered fds that were told of a change since their last poll (or were
   * ready then): a descriptor closed since is among them (close() notifies, POLLNVAL keeps it).
   */
  *_changed_fds(): IterableIterator<number> {
    for (const reg of this.candidates) yield reg.fd;
  }

  /** The registered fds and masks, in registration order. */
  registered(): ReadonlyMap<number, number> {
    const m = new Map<number, number>();
    for (const [fd, r] of this.regs) m.set(fd, r.mask);
    return m;
  }

  /**
   * Python's poll.poll([timeout]) with timeout in milliseconds (null or negative: forever).
   * Resolves to [fd, revents] pairs, by fd. `interrupt` (this library's in-process
   * self-pipe) ends the wait early with nothing ready.
   */
  async poll(timeout?: number | null, interrupt?: Interrupt): Promise<Array<[number, number]>> {
    if (timeout !== undefined && timeout !== null && typeof timeout !== "number") {
      throw new TypeError("timeout must be an integer or None");
    }
    const ms = timeout === undefined || timeout === null || timeout < 0 ? null : Math.floor(timeout);
    // A zero timeout needs no clock: it has passed at every look.
    const deadline = ms === null ? Infinity : ms === 0 ? -Infinity : performance.now() + ms;
    // Every call yields to Node once. When nothing is ready and there is time to wait, the wait
    // is that yield; otherwise Node runs its pending I/O and timers first, then we look again.
    let yielded = false;
    for (;;) {
      const out = this.collect();
      // The clock is read only when nothing is ready (it is what decides the wait).
      const left = out !== null ? 0 : deadline - performance.now();
      const stop = out !== null || left <= 0 || interrupt?.consume() === true;
      if (stop && !yielded) {
        await yield_to_node();
        yielded = true;
        if (out === null && left > 0) return [];
        continue;
      }
      if (stop) return out ?? [];
      const sleeper = interrupt?.sleeper ?? this.own_sleeper;
      this.sleeper = sleeper;
      try {
        await sleeper.sleep(Number.isFinite(left) ? left : null);
      } finally {
        this.sleeper = null;
      }
      yielded = true;
      if (interrupt?.consume()) return [];
    }
  }

  /** The ready [fd, revents] pairs, by fd; null when none (no array made for an empty look). */
  private collect(): Array<[number, number]> | null {
    let out: Array<[number, number]> | null = null;
    for (const reg of this.candidates) {
      const f = reg.target.poll_flags() & (reg.mask | ALWAYS);
      if (f) (out ??= []).push([reg.fd, f]);
      else this.candidates.delete(reg);
    }
    if (out !== null && out.length > 1) sort_by_fd(out);
    return out;
  }
}
