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

/** sort_by_key()'s packed keys and scratch copies for more than a few fds, reused. */
let keys = new Float64Array(64);
const fds_was: number[] = [];
const rev_was: number[] = [];

/** Places an index takes in a packed key (more ready fds than this sort with a comparator). */
const INDEX_SPAN = 2 ** 20;

/**
 * Sort the ready fds (with their revents and order keys alongside) by key: the registrations'
 * order. A few at a time (the usual case) by insertion, in place. More as one number each
 * (key * 2^20 + index) in a Float64Array, whose sort() compares numbers natively: Array's sort()
 * calls a comparator per comparison (~0.8k instructions per iteration of 50 channels).
 */
function sort_by_key(fds: number[], rev: number[], ord: number[], n: number): void {
  if (n > 16) {
    if (keys.length < n) keys = new Float64Array(Math.max(n, keys.length * 2));
    const k = keys;
    let packable = n <= INDEX_SPAN;
    for (let i = 0; i < n; i++) {
      fds_was[i] = fds[i] as number;
      rev_was[i] = rev[i] as number;
      const key = ord[i] as number;
      if (key >= 2 ** 32) packable = false;
      k[i] = key * INDEX_SPAN + i;
    }
    if (packable) k.subarray(0, n).sort();
    else {
      const idx = Array.from({ length: n }, (_, i) => i).sort((x, y) => (ord[x] as number) - (ord[y] as number));
      for (let i = 0; i < n; i++) k[i] = idx[i] as number;
    }
    const ord_was = packable ? null : ord.slice(0, n);
    for (let i = 0; i < n; i++) {
      const x = k[i] as number;
      const j = packable ? x % INDEX_SPAN : x;
      fds[i] = fds_was[j] as number;
      rev[i] = rev_was[j] as number;
      ord[i] = packable ? (x - j) / INDEX_SPAN : ((ord_was as number[])[j] as number);
    }
    return;
  }
  for (let i = 1; i < n; i++) {
    const x = ord[i] as number;
    const xf = fds[i] as number;
    const xr = rev[i] as number;
    let j = i - 1;
    while (j >= 0 && (ord[j] as number) > x) {
      ord[j + 1] = ord[j] as number;
      fds[j + 1] = fds[j] as number;
      rev[j + 1] = rev[j] as number;
      j--;
    }
    ord[j + 1] = x;
    fds[j + 1] = xf;
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
    /** Where the registration stands in the answer's order (poll's registration order; poll2's map order). */
    public key: number,
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
  /** The next registration's key: the answer follows the order of registration, as CPython's (a dict's order). */
  private next_key = 0;
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
    // Registering a registered number again keeps its place in the order (a dict's assignment).
    const key = old ? old.key : this.next_key++;
    if (old) this.drop(old);
    const target = lookup_fd(n) ?? new Closed(n);
    const reg = new Registration(this, n, target, eventmask, key);
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
   * `place` is the fd's place in the map's order: CPython's poll2 registers the map's channels
   * in that order on a new poll object each time, so its answer follows the map's order.
   */
  _interest(fd: number, flags: number, place: number): void {
    const reg = this.regs.get(fd);
    if (flags === 0) {
      if (reg !== undefined) this.drop(reg);
    } else if (reg === undefined || reg.target instanceof Closed) {
      this.register(fd, flags);
      (this.regs.get(fd) as Registration).key = place;
    } else {
      reg.key = place;
      if (reg.mask !== flags) {
        reg.mask = flags;
        this.candidate(reg);
      }
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
   * Resolves to [fd, revents] pairs, in the order of registration (CPython's). `interrupt` (this library's in-process
   * self-pipe) ends the wait early with nothing ready.
   */
  poll(timeout?: number | null, interrupt?: Interrupt): Promise<Array<[number, number]>> {
    return this.wait(timeout, interrupt);
  }

  /**
   * The last look's answer, its first n (in order), kept between looks: no pair made per ready fd.
   * @internal Lent to asyncore's loop (_lend) until _release(); a look that comes before answers in new
   * arrays instead.
   */
  _fds: number[] = [];
  _revents: number[] = [];
  /** The keys of the answer's registrations, alongside _fds while it is sorted (never lent). */
  private readonly ord: number[] = [];
  private lent = false;

  /** @internal The caller of _look() is done with _fds and _revents. */
  _release(): void {
    this.lent = false;
  }

  private async wait(timeout: number | null | undefined, interrupt: Interrupt | undefined): Promise<Array<[number, number]>> {
    if (timeout !== undefined && timeout !== null && typeof timeout !== "number") {
      throw new TypeError("timeout must be an integer or None");
    }
    let deadline = this._deadline_of(timeout);
    // Every call yields to Node once. When nothing is ready and there is time to wait, the wait
    // is that yield; otherwise Node runs its pending I/O and timers first, then we look again.
    let yielded = false;
    for (;;) {
      const next = this._look(deadline, yielded, interrupt);
      deadline = this._deadline;
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

  /**
   * @internal poll()'s deadline for a timeout in ms (null or negative: forever), to hand to
   * _look(). A zero timeout needs no clock: it has passed at every look. A positive one is
   * returned negated and starts at the first look that finds nothing ready (Selector.deadline_of()).
   */
  _deadline_of(timeout: number | null | undefined): number {
    const ms = timeout === undefined || timeout === null || timeout < 0 ? null : Math.floor(timeout);
    return ms === null ? Infinity : ms === 0 ? -Infinity : -ms;
  }

  /** @internal The deadline after a _look() (started if the look read the clock): the next look's. */
  _deadline = 0;

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
    this._found = n;
    // The clock is read only when nothing is ready (it is what decides the wait).
    let left = 0;
    if (n === 0) {
      const now = performance.now();
      // Not started (_deadline_of()): it starts now.
      if (deadline < 0 && deadline !== -Infinity) deadline = now - deadline;
      left = deadline - now;
    }
    this._deadline = deadline;
    const stop = n !== 0 || left <= 0 || interrupt?.consume() === true;
    if (stop && !yielded) return n === 0 && left > 0 ? LOOK_YIELD_NONE : LOOK_YIELD;
    if (stop) return n;
    this._left = Number.isFinite(left) ? left : null;
    return LOOK_SLEEP;
  }

  /** @internal How many fds the last _look() found ready (a LOOK_YIELD may also be a timeout's). */
  _found = 0;

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

  /** The ready fds and their revents into fds and revents, in the registrations' order; their number. */
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
    const ord = this.ord;
    let n = 0;
    for (const reg of this.candidates) {
      const f = reg.target.poll_flags() & (reg.mask | ALWAYS);
      if (f) {
        fds[n] = reg.fd;
        rev[n] = f;
        ord[n] = reg.key;
        n++;
      } else this.candidates.delete(reg);
    }
    if (n > 1) sort_by_key(fds, rev, ord, n);
    return n;
  }
}
