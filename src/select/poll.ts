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

/** What poll() does after a look that does not answer (poll._look). */
export const LOOK_YIELD = -1;
export const LOOK_YIELD_NONE = -2;
export const LOOK_SLEEP = -3;

/** sort_by_fd()'s keys for more than a few fds, reused (grown by doubling). */
let keys = new Float64Array(64);

/**
 * Sort the ready fds (and their revents alongside). A few at a time (the usual case) by
 * insertion, in place. More as one number each (fd * 2^16 + revents: revents are 16 bits, an fd
 * is a non-negative integer) in a Float64Array, whose sort() compares numbers natively: Array's
 * sort() calls a comparator per comparison, and pairing the two arrays through an index array
 * cost three more arrays and a callback per fd (~0.8k instructions per iteration of 50 channels).
 */
function sort_by_fd(fds: number[], rev: number[], n: number): void {
  if (n > 16) {
    if (keys.length < n) keys = new Float64Array(Math.max(n, keys.length * 2));
    const k = keys;
    for (let i = 0; i < n; i++) k[i] = (fds[i] as number) * 65536 + (rev[i] as number);
    k.subarray(0, n).sort();
    for (let i = 0; i < n; i++) {
      const x = k[i] as number;
      const r = x % 65536;
      fds[i] = (x - r) / 65536;
      rev[i] = r;
    }
    return;
  }
  for (let i = 1; i < n; i++) {
    const x = fds[i] as number;
    const xr = rev[i] as number;
    let j = i - 1;
    while (j >= 0 && (fds[j] as number) > x) {
      fds[j + 1] = fds[j] as number;
      rev[j + 1] = rev[j] as number;
      j--;
    }
    fds[j + 1] = x;
    rev[j + 1] = xr;
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

  /**
   * @internal asyncore's poll2 registrations: `fd` registered for `flags` (0: unregistered, and
   * no error when it is not registered). The same as register() or unregister() (an fd newly
   * registered goes through register(), with its checks), in one lookup of our own table: a
   * registration follows its descriptor (a number is never reused, and the ssl wrap hands its
   * watchers on), so only one made on a number that was not open may need making again.
   */
  _interest(fd: number, flags: number): void {
    const reg = this.regs.get(fd);
    if (reg === undefined) {
      if (flags !== 0) this.register(fd, flags);
    } else if (flags === 0) {
      this.drop(reg);
    } else if (reg.target instanceof Closed) {
      this.register(fd, flags);
    } else if (reg.mask !== flags) {
      reg.mask = flags;
      this.candidate(reg);
    }
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
  poll(timeout?: number | null, interrupt?: Interrupt): Promise<Array<[number, number]>> {
    return this.wait(timeout, interrupt);
  }

  /**
   * The last look's answer, its first n (by fd), kept between looks: no pair made per ready fd.
   * @internal Lent to asyncore's loop (_lend) until _release(); a look that comes before answers in new
   * arrays instead.
   */
  _fds: number[] = [];
  _revents: number[] = [];
  private lent = false;

  /** @internal The caller of _look() is done with _fds and _revents. */
  _release(): void {
    this.lent = false;
  }

  private async wait(timeout: number | null | undefined, interrupt: Interrupt | undefined): Promise<Array<[number, number]>> {
    if (timeout !== undefined && timeout !== null && typeof timeout !== "number") {
      throw new TypeError("timeout must be an integer or None");
    }
    const deadline = this._deadline_of(timeout);
    // Every call yields to Node once. When nothing is ready and there is time to wait, the wait
    // is that yield; otherwise Node runs its pending I/O and timers first, then we look again.
    let yielded = false;
    for (;;) {
      const next = this._look(deadline, yielded, interrupt);
      if (next === LOOK_YIELD || next === LOOK_YIELD_NONE) {
        await yield_to_node();
        yielded = true;
        if (next === LOOK_YIELD_NONE) return [];
        continue;
      }
      if (next >= 0) return this.pairs(next);
      const sleeper = interrupt?.sleeper ?? this.own_sleeper;
      this.sleeper = sleeper;
      try {
        await sleeper.sleep(this._left);
      } finally {
        this.sleeper = null;
      }
      yielded = true;
      if (interrupt?.consume()) return [];
    }
  }

  /** @internal poll()'s deadline for a timeout in ms (null or negative: forever). */
  _deadline_of(timeout: number | null | undefined): number {
    const ms = timeout === undefined || timeout === null || timeout < 0 ? null : Math.floor(timeout);
    // A zero timeout needs no clock: it has passed at every look.
    return ms === null ? Infinity : ms === 0 ? -Infinity : performance.now() + ms;
  }

  /** @internal The wait of a LOOK_SLEEP, in ms (null: forever); read at once after _look(). */
  _left: number | null = null;

  /**
   * @internal One look of poll(): the number of ready fds when it answers (in _fds and _revents:
   * _lend() them, then _release()), else what it does next — LOOK_YIELD (yield to Node once, then
   * look again), LOOK_YIELD_NONE (yield, then answer nothing), LOOK_SLEEP (sleep _left ms, then
   * answer nothing if the interrupt fired, else look again). asyncore's loop takes these steps in
   * its own frame; whoever does must take them exactly as wait() does.
   */
  _look(deadline: number, yielded: boolean, interrupt: Interrupt | undefined): number {
    const n = this.collect();
    // The clock is read only when nothing is ready (it is what decides the wait).
    const left = n !== 0 ? 0 : deadline - performance.now();
    const stop = n !== 0 || left <= 0 || interrupt?.consume() === true;
    if (stop && !yielded) return n === 0 && left > 0 ? LOOK_YIELD_NONE : LOOK_YIELD;
    if (stop) return n;
    this._left = Number.isFinite(left) ? left : null;
    return LOOK_SLEEP;
  }

  /** @internal The sleeper of the wait in progress (set by whoever takes poll()'s steps). */
  _waiting_on(s: Sleeper | null): void {
    this.sleeper = s;
  }

  /** @internal _fds and _revents are the caller's until release(). */
  _lend(n: number): number {
    this.lent = true;
    return n;
  }

  /** The last look's answer as new [fd, revents] pairs. */
  private pairs(n: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < n; i++) out.push([this._fds[i] as number, this._revents[i] as number]);
    return out;
  }

  /** The ready fds and their revents into fds and revents, by fd; their number. */
  private collect(): number {
    if (this.lent) {
      this._fds = [];
      this._revents = [];
      this.lent = false;
    }
    // Written by index, never truncated: setting length to 0 would drop the backing store and
    // the next push would allocate a new one every look. Only the first n are the answer.
    const fds = this._fds;
    const rev = this._revents;
    let n = 0;
    for (const reg of this.candidates) {
      const f = reg.target.poll_flags() & (reg.mask | ALWAYS);
      if (f) {
        fds[n] = reg.fd;
        rev[n] = f;
        n++;
      } else this.candidates.delete(reg);
    }
    if (n > 1) sort_by_fd(fds, rev, n);
    return n;
  }
}
