// A select() that keeps its watches between calls: asyncore.poll()'s wait, with select.select()'s answers.
import { EBADF, os_error } from "../errno/index.js";
import {
  lookup_fd, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, type Pollable, type Watcher,
} from "../socket/index.js";
import type { Interrupt } from "./interrupt.js";
import type { Sleeper } from "./wait.js";
import { yield_to_node } from "./wait.js";

// Linux's fs/select.c sets, as in select.ts.
const READ_SET = POLLIN | POLLHUP | POLLERR;
const WRITE_SET = POLLOUT | POLLERR;
const EXCEPT_SET = POLLPRI;

/** What Selector.select() does after a look. */
export const enum Next {
  /** Yield to Node once (something is ready, the time is up, or the interrupt fired). */
  Yield,
  /** Yield to Node once, then answer nothing: the interrupt fired. */
  YieldInterrupted,
  /** Wait (Selector.left ms) for a change, the deadline or the interrupt. */
  Sleep,
  /** The answer is in r, w and x. */
  Ready,
  /** Nothing is ready: the answer is empty. */
  Empty,
}

/** Which of the three lists an fd is in this pass. */
export const IN_R = 1;
export const IN_W = 2;
export const IN_X = 4;
/** The lists bits of Entry.lists. */
const LISTS = IN_R | IN_W | IN_X;
/** In Entry.lists beside them: the entry is in Selector.cands. */
const CAND = 8;
/**
 * Above them, its poll flags when last found ready (Linux's poll flags fit in 14 bits): written by
 * the look and read by the answer that follows it, with no set() between (one field, not two).
 */
const FLAGS_SHIFT = 4;
const LOW = (1 << FLAGS_SHIFT) - 1;

class Entry implements Watcher {
  /**
   * IN_R | IN_W | IN_X: the lists this fd is in (none: in none, but still in the map); CAND
   * while the entry is a candidate (a bit here rather than a field: one per channel); and, from
   * FLAGS_SHIFT up, its poll flags when last found ready.
   */
  lists = 0;
  /** Its place in this pass's lists (the map's order), which select() answers in. */
  pos = 0;
  constructor(
    readonly owner: Selector,
    readonly fd: number,
    /** Follows the descriptor when another object takes it over (ssl wrap: Pollable.hand_watchers_to). */
    public target: Pollable,
  ) {}

  changed(p: Pollable): void {
    this.target = p;
    this.owner.candidate(this);
  }
}

function by_pos(a: Entry, b: Entry): number {
  return a.pos - b.pos;
}

/** By place in the lists; a few (the usual case) by insertion, without Array's sort() and its comparator calls. */
function sort_by_pos(found: Entry[], n: number): void {
  if (n > 16) {
    const sorted = found.slice(0, n).sort(by_pos);
    for (let i = 0; i < n; i++) found[i] = sorted[i] as Entry;
    return;
  }
  for (let i = 1; i < n; i++) {
    const x = found[i] as Entry;
    let j = i - 1;
    while (j >= 0 && (found[j] as Entry).pos > x.pos) {
      found[j + 1] = found[j] as Entry;
      j--;
    }
    found[j + 1] = x;
  }
}

/**
 * What asyncore.poll() hands select.select() each iteration, kept between iterations: one watch
 * per descriptor in the map, made when it enters and dropped when it leaves, and the set of
 * descriptors that may be ready (told of a change, or ready at the last look). A pass states each
 * fd's lists in the map's order (begin, set..., end); select() then answers exactly what
 * select.select(r, w, x, timeout) over those lists would — the same subsets in the same order,
 * EBADF for a closed descriptor in any list — at a cost of O(ready) instead of O(map).
 *
 * There is no table of the entries by fd (a hash table of the map's size, ~46 B per channel): an
 * entry is in `order` at its position, and one that is not where its fd is looked for is found
 * through the descriptor table and its descriptor's watchers (place()).
 */
export class Selector {
  /**
   * The candidates, the first ncand: entries told of a change or ready at the last look, each
   * once (CAND marks them). An array rather than a Set: a Set that empties and fills again
   * allocates a new hash table each time (V8 shrinks it at its last delete), once per iteration
   * that answered something. Written by index and never truncated, as `found`; the order does
   * not matter (the answer is sorted by place).
   */
  private readonly cands: (Entry | undefined)[] = [];
  private ncand = 0;
  /**
   * The entries in the order of the last pass. A map that did not change is walked in the same
   * order, so each set() finds its entry here at its position without a lookup. Every entry is in
   * a slot here (its own, `pos`, or a stale one) or in `displaced`.
   */
  private readonly order: (Entry | undefined)[] = [];
  /**
   * Each slot's fd and lists as of the pass that placed its entry there, side by side: slot i's fd
   * at 2i (-1: none) and its lists at 2i + 1. An unchanged channel is checked against this one
   * packed array without loading its Entry (at 10,000 channels the entries' scattered loads were
   * most of what select's pass cost beyond poll's); one array rather than two, as the pass's
   * optimized code checks an array's map, length and bounds at every channel.
   */
  /** @internal (read by asyncore's pass, which checks an unchanged place itself: see _set_at()) */
  readonly order_fl: number[] = [];
  /**
   * Entries whose slot this pass gave to another fd (or cut off at its end): each either moved to
   * a slot of its own in this pass (order[pos] is it) or left the map, and end() drops those.
   */
  private readonly displaced: Entry[] = [];
  private count = 0;
  /** begin() was called and end() not yet. */
  private passing = false;
  /** A descriptor in the lists that names nothing open: select() raises EBADF. */
  private bad = false;
  /** @internal The sleeper of the wait in progress (set by whoever takes select()'s steps). */
  sleeper: Sleeper | null = null;

  begin(): void {
    if (this.passing) this.repair();
    this.passing = true;
    this.count = 0;
    this.bad = false;
  }

  /** `fd` is next in the map, in the lists `lists` (IN_R | IN_W | IN_X; 0: none). */
  set(fd: number, lists: number): void {
    const i = this.count;
    const ofl = this.order_fl;
    const j = 2 * i;
    // Compared only within the array: a compare that has once seen undefined (a slot past the
    // end) is a call of the generic StrictEqual builtin in optimized code from then on.
    if (j < ofl.length && ofl[j] === fd && ofl[j + 1] === lists) {
      this.count = i + 1;
      return;
    }
    let e: Entry | undefined = this.order[i];
    if (e === undefined || e.fd !== fd) {
      e = this.place(i, fd);
      if (e === undefined) {
        if (lists !== 0) this.bad = true;
        return;
      }
    }
    this.count = i + 1;
    ofl[j] = fd;
    ofl[j + 1] = lists;
    if ((e.lists & LISTS) !== lists) {
      e.lists = (e.lists & CAND) | lists;
      if (lists !== 0) this.add(e);
    }
  }

  /**
   * @internal set() at place `i`, for a pass that walks the places itself: it skips set() where
   * order_fl[2i] and order_fl[2i + 1] are already `fd` and `lists` (what set() would find and leave),
   * and calls this for the others. Returns the place of the next fd (i + 1, or i when `fd` names
   * nothing open, as set() leaves its count).
   */
  _set_at(i: number, fd: number, lists: number): number {
    this.count = i;
    this.set(fd, lists);
    return this.count;
  }

  /** @internal end() after a pass that walked the places itself: `count` places were stated. */
  _end_at(count: number): void {
    this.count = count;
    this.end();
  }

  /**
   * set()'s lookup, out of its way (set() runs once per channel per iteration): `fd`'s entry, now
   * at slot `i`, whose occupant is displaced. A closed descriptor is in no table (and one in the
   * lists is EBADF): undefined, and an entry left on it is dropped by end().
   */
  private place(i: number, fd: number): Entry | undefined {
    const old = this.order[i];
    if (old !== undefined) this.displaced.push(old);
    const target = lookup_fd(fd);
    if (target === undefined) return undefined;
    let e = target.watcher_of(this) as Entry | null;
    if (e === null) {
      e = new Entry(this, fd, target);
      target.watch(e);
    }
    this.order[i] = e;
    e.pos = i;
    return e;
  }

  /**
   * A pass cut short (a readable() that threw: begin() without end()) may have left an entry in a
   * stale slot besides the one it was placed in. Each slot keeps only the entry placed there (pos
   * is the slot); the others are displaced, so that the next pass finds them by lookup and its
   * end() drops those that left.
   */
  private repair(): void {
    const order = this.order;
    for (let j = 0; j < order.length; j++) {
      const e = order[j];
      if (e !== undefined && e.pos !== j) {
        this.displaced.push(e);
        order[j] = undefined;
        this.order_fl[2 * j] = -1;
      }
    }
  }

  /**
   * The pass over the map is over: stop watching the descriptors that left it. They are among
   * the displaced entries (their slot went to another fd, or was cut off), so this costs
   * O(displaced): nothing when the map did not change, and a channel that left costs what the
   * pass already paid for the channels after it (each found by lookup).
   */
  end(_map?: ReadonlyMap<number, unknown>): void {
    this.passing = false;
    const order = this.order;
    const count = this.count;
    const d = this.displaced;
    for (let j = count; j < order.length; j++) {
      const e = order[j];
      if (e !== undefined) d.push(e);
    }
    if (order.length > count) {
      order.length = count;
      this.order_fl.length = 2 * count;
    }
    if (d.length === 0) return;
    for (let k = 0; k < d.length; k++) {
      const e = d[k] as Entry;
      // Not where this pass put it (or dropped already: pos -1): it left the map.
      if (e.pos >= 0 && order[e.pos] !== e) this.drop(e);
    }
    d.length = 0;
  }

  private drop(e: Entry): void {
    // A candidate stays in cands, with no lists and no place: the next collect() lets it go.
    // Searching the array here made each drop O(candidates), a mass close O(n²).
    e.lists &= CAND;
    e.target.unwatch(e);
    e.pos = -1;
  }

  /** Make `e` a candidate (once). */
  private add(e: Entry): void {
    if ((e.lists & CAND) === 0) {
      e.lists |= CAND;
      this.cands[this.ncand++] = e;
    }
  }

  /** @internal an entry's descriptor changed */
  candidate(e: Entry): void {
    this.add(e);
    if ((e.lists & LISTS) !== 0) this.sleeper?.wake_soon();
  }

  /** Stop watching everything (the map is done with). */
  clear(): void {
    for (const e of this.order) if (e !== undefined) e.target.unwatch(e);
    for (const e of this.displaced) e.target.unwatch(e);
    this.displaced.length = 0;
    const c = this.cands;
    for (let i = 0; i < this.ncand; i++) {
      (c[i] as Entry).lists &= ~CAND;
      c[i] = undefined;
    }
    this.ncand = 0;
    this.order.length = 0;
    this.order_fl.length = 0;
    this.found.length = 0;
    this.nfound = 0;
  }

  /**
   * collect()'s answer, its first nfound, kept between calls: no array made per look. Written by
   * index and never truncated (setting length to 0 drops the backing store, and the next push
   * allocates one again); the slots past nfound are cleared, not to hold a closed descriptor.
   */
  private readonly found: (Entry | undefined)[] = [];
  private nfound = 0;

  /** The candidates that are ready, into `found`; false when none is. */
  private collect(): boolean {
    const found = this.found;
    const had = this.nfound;
    let n = 0;
    this.nfound = 0;
    // The candidates that stay (the ready ones) are moved down to the first `keep` slots as the
    // walk goes; one added during the walk (a poll_flags() that notifies) is appended and walked
    // too, as a Set's iteration would.
    const c = this.cands;
    let keep = 0;
    let i = 0;
    try {
      for (; i < this.ncand; i++) {
        const e = c[i] as Entry;
        // Dropped since it became a candidate (it left the map): let go without asking it.
        if (e.pos < 0) {
          e.lists = 0;
          continue;
        }
        const f = e.target.poll_flags();
        const lists = e.lists;
        if ((lists & LISTS) === 0) {
          e.lists = lists & ~CAND;
          continue;
        }
        if (f & POLLNVAL) throw os_error(EBADF);
        if (
          ((lists & IN_R) !== 0 && (f & READ_SET) !== 0) ||
          ((lists & IN_W) !== 0 && (f & WRITE_SET) !== 0) ||
          ((lists & IN_X) !== 0 && (f & EXCEPT_SET) !== 0)
        ) {
          e.lists = (lists & LOW) | (f << FLAGS_SHIFT);
          found[n++] = e;
          c[keep++] = e;
        } else {
          e.lists = lists & ~CAND;
        }
      }
    } finally {
      // After an EBADF the entries from the bad one on stay candidates, as they were.
      const end = this.ncand;
      for (; i < end; i++) c[keep++] = c[i];
      for (let j = keep; j < end; j++) c[j] = undefined;
      this.ncand = keep;
    }
    for (let i = n; i < had; i++) found[i] = undefined;
    this.nfound = n;
    return n > 0;
  }

  /**
   * The answer of the last select(), in the lists' order: kept between calls (no arrays made per
   * iteration). They stay the caller's until release(); a select() that comes before (a handler
   * running a nested iteration over the same map) answers in new arrays instead.
   */
  r: number[] = [];
  w: number[] = [];
  x: number[] = [];
  /** How many of r, w and x are the answer (the arrays are never truncated, as `found`). */
  nr = 0;
  nw = 0;
  nx = 0;
  private lent = false;

  /** The caller is done with r, w and x: the next select() may refill them. */
  release(): void {
    this.lent = false;
  }

  /**
   * select.select() over this pass's lists, timeout in seconds (null: forever); `interrupt`
   * ends the wait early with nothing ready. The same steps as select() (select.ts): every call
   * yields to Node once, the wait being that yield when nothing is ready. The answer is the
   * first nr of r, nw of w and nx of x (none: nothing ready); true when any is non-empty.
   *
   * The steps are look(), after_yield() and after_sleep(), so that asyncore's loop can take
   * them in its own frame (no async frame and promise of this one per iteration): whoever does
   * must take them exactly as this does.
   */
  async select(timeout: number | null, interrupt: Interrupt): Promise<boolean> {
    let deadline = this.deadline_of(timeout);
    let yielded = false;
    for (;;) {
      const next = this.look(deadline, yielded, interrupt);
      deadline = this._deadline;
      if (next === Next.Yield || next === Next.YieldInterrupted) {
        await yield_to_node();
        yielded = true;
        if (this.after_yield(next, interrupt)) return false;
        continue;
      }
      if (next === Next.Sleep) {
        const sleeper = interrupt.sleeper;
        this.sleeper = sleeper;
        try {
          await sleeper.sleep(this.left);
        } finally {
          this.sleeper = null;
        }
        yielded = true;
        if (this.after_sleep(interrupt)) return false;
        continue;
      }
      return next === Next.Ready;
    }
  }

  /**
   * @internal select()'s first step: EBADF for a closed descriptor in the lists, else its
   * deadline, to hand to look(). A zero timeout needs no clock: it has passed at every look. A
   * positive one is returned as its length, negated (a deadline read off the clock is positive),
   * and starts at the first look that finds nothing ready, which reads the clock for the wait
   * anyway: an iteration that finds something ready at once reads no clock.
   */
  deadline_of(timeout: number | null): number {
    if (this.bad) throw os_error(EBADF);
    return timeout === null ? Infinity : timeout === 0 ? -Infinity : -(timeout * 1000);
  }

  /** @internal The deadline after a look (started if the look read the clock): the next look's. */
  _deadline = 0;

  /** The wait of a Next.Sleep, in ms (null: forever); read at once after look(). */
  left: number | null = null;

  /** @internal Whether the last look found a descriptor ready (a Next.Yield may also be a timeout's). */
  _found = false;

  /** @internal One look of select(): what is ready, and what select() does next. */
  look(deadline: number, yielded: boolean, interrupt: Interrupt): Next {
    const found = this.collect();
    this._found = found;
    // The clock is read only when nothing is ready (it is what decides the wait).
    let left = 0;
    if (!found) {
      const now = performance.now();
      // Not started (deadline_of()): it starts now.
      if (deadline < 0 && deadline !== -Infinity) deadline = now - deadline;
      left = deadline - now;
    }
    this._deadline = deadline;
    const interrupted = interrupt.consume();
    if ((found || left <= 0 || interrupted) && !yielded) return interrupted ? Next.YieldInterrupted : Next.Yield;
    if (found) return this.answer(true) ? Next.Ready : Next.Empty;
    if (left <= 0 || interrupted) {
      this.answer(false);
      return Next.Empty;
    }
    this.left = Number.isFinite(left) ? left : null;
    return Next.Sleep;
  }

  /**
   * @internal After select()'s one yield to Node: true when it answers nothing. Code that ran
   * during the yield may have closed a descriptor of the lists (a timer closing a channel); the
   * interrupt says so, and the caller rebuilds its lists.
   */
  after_yield(next: Next, interrupt: Interrupt): boolean {
    if (next === Next.YieldInterrupted || interrupt.consume()) {
      this.answer(false);
      return true;
    }
    return false;
  }

  /** @internal After a sleep: true when it answers nothing (woken by the interrupt). */
  after_sleep(interrupt: Interrupt): boolean {
    if (interrupt.consume()) {
      this.answer(false);
      return true;
    }
    return false;
  }

  /** Fill r, w and x from `found` (or leave them empty); true when any is non-empty. */
  private answer(any: boolean): boolean {
    if (this.lent) {
      this.r = [];
      this.w = [];
      this.x = [];
    }
    this.lent = true;
    let nr = 0;
    let nw = 0;
    let nx = 0;
    if (any) {
      const found = this.found;
      const n = this.nfound;
      if (n > 1) sort_by_pos(found as Entry[], n);
      const { r, w, x } = this;
      for (let i = 0; i < n; i++) {
        const e = found[i] as Entry;
        const lists = e.lists;
        const f = lists >> FLAGS_SHIFT;
        if ((lists & IN_R) !== 0 && (f & READ_SET) !== 0) r[nr++] = e.fd;
        if ((lists & IN_W) !== 0 && (f & WRITE_SET) !== 0) w[nw++] = e.fd;
        if ((lists & IN_X) !== 0 && (f & EXCEPT_SET) !== 0) x[nx++] = e.fd;
      }
    }
    this.nr = nr;
    this.nw = nw;
    this.nx = nx;
    return nr + nw + nx > 0;
  }
}
