// asyncore's loop: poll (select-based), poll2/poll3 (poll-based), loop() and close_all().
import { nextTick } from "node:process"; // not the global: globalThis.process is a getter
import { EBADF } from "../errno/index.js";
import { IN_R, IN_W, IN_X, POLLIN, POLLOUT, POLLPRI, check_timeout, yield_to_node, Next, LOOK_YIELD, LOOK_YIELD_NONE, type Selector, type poll as Poller } from "../select/index.js";
import { py_type } from "../socket/bytes.js";
import { wait_for_change } from "../select/wait.js";
import { _exception, read, readwrite, write } from "./dispatch.js";
import { errno_of_error, is_reraised } from "./errors.js";
import { ChannelMap } from "./channel_map.js";
import { socket_map, state_of, type Channel, type MapState, type SocketMap } from "./map.js";
import * as trace from "./trace.js";

function seconds(timeout: number | null | undefined): number | null {
  return timeout === undefined ? 0 : timeout;
}

/**
 * One iteration over select(): Python's asyncore.poll(timeout, map). CPython hands select() new
 * lists each time; this keeps them between iterations (MapState.selector), watching each
 * descriptor from when it enters the map until it leaves, and answers exactly what select()
 * over the lists of this iteration would (ARCHITECTURE.md, "Select lists").
 */
export async function poll(timeout: number | null = 0.0, map?: SocketMap | null): Promise<void> {
  const m = map ?? socket_map;
  if (m.size === 0) return;
  const st = state_of(m);
  const intr = st.interrupt;
  // A paused map waits here, at the start of its next iteration (ARCHITECTURE.md, "Step mode").
  if (st.step?.paused) {
    await st.step.gate(intr);
    if (m.size === 0) return;
  }
  intr.reset();
  const t = trace.tracing ? trace.begin(m, st, "select", seconds(timeout)) : null;
  const any = select_pass(m, st, t);
  const started = t ? performance.now() : 0;
  if (!any) return select_idle(timeout, st, t, started);
  const sel = st.selector;
  await sel.select(check_timeout(timeout), intr);
  const rr = sel.r.slice(0, sel.nr);
  const ww = sel.w.slice(0, sel.nw);
  const ee = sel.x.slice(0, sel.nx);
  if (t) {
    const now = performance.now();
    t.waited_ms = now - started;
    // Nothing ready: select() returned at its deadline, or early for the interrupt.
    t.woke = rr.length || ww.length || ee.length ? "ready" : timeout !== null && now >= started + timeout * 1000 ? "timeout" : "interrupt";
    const names = new Map<number, string[]>();
    for (const fd of rr) names.set(fd, ["read"]);
    for (const fd of ww) names.set(fd, [...(names.get(fd) ?? []), "write"]);
    for (const fd of ee) names.set(fd, [...(names.get(fd) ?? []), "except"]);
    for (const [fd, ev] of names) t.ready.push({ ...trace.ref(fd, m.get(fd)), events: ev });
  }
  select_dispatch(m, rr, ww, ee, t);
  sel.release();
}

// The lists and poll flags as literals (selector.ts's IN_R/IN_W/IN_X, Linux's POLLIN/POLLPRI/
// POLLOUT): an imported binding is live, so optimized code reloads it through the module and
// checks it for every channel of the pass.
const enum Bits {
  IN_R = 1,
  IN_W = 2,
  IN_X = 4,
  POLLIN = 0x001,
  POLLPRI = 0x002,
  POLLOUT = 0x004,
}

/**
 * A channel's select lists this iteration: IN_R, IN_W (never for an accepting one), IN_X if either.
 * A const: a function declaration's binding can be reassigned, so optimized code that inlined it
 * checks at every call that the binding still holds it.
 */
const lists_of = (obj: Channel): number => {
  const is_r = obj.readable();
  const is_w = obj.writable();
  let lists = 0;
  if (is_r) lists = Bits.IN_R;
  // accepting sockets are never in the write set
  if (is_w && !obj.accepting) lists |= Bits.IN_W;
  if (is_r || is_w) lists |= Bits.IN_X;
  return lists;
};

/** poll()'s pass over the map: each channel's lists, in the map's order. True if any list is non-empty. */
function select_pass(m: SocketMap, st: MapState, t: trace.IterationTrace | null): boolean {
  if (t !== null) return select_pass_traced(m, st, t);
  if (m instanceof ChannelMap) return select_pass_places(m, st);
  const sel = st.selector;
  let any = 0;
  sel.begin();
  // An unchanged place (the same fd in the same lists as the last pass) is checked here, against
  // the selector's arrays held in locals, and left as set() would leave it; only a changed one
  // calls set(). set() inlined cost about 35 instructions per channel: its receiver's and both
  // arrays' map checks, their lengths and the count's store, for every channel of every pass.
  const ofl = sel.order_fl;
  let j = 0;
  // Keys and values walked in step (both iterators follow the map's changes alike): V8 inlines
  // both iterators here, where a forEach callback is a call per channel and for…of over the
  // entries makes a [key, value] array per channel.
  const fds = m.keys();
  for (const obj of m.values()) {
    const fd = fds.next().value as number;
    const lists = lists_of(obj);
    any |= lists;
    // Compared only within the arrays (a compare that has seen undefined past the end is a call
    // of the generic StrictEqual builtin in optimized code from then on).
    if (j < ofl.length && ofl[j] === fd && ofl[j + 1] === lists) j += 2;
    else j = 2 * sel._set_at(j >> 1, fd, lists);
  }
  sel._end_at(j >> 1);
  return any !== 0;
}

/** select_pass() over a ChannelMap: its places walked as arrays, the same calls in the same order. */
function select_pass_places(m: ChannelMap, st: MapState): boolean {
  const sel = st.selector;
  let any = 0;
  sel.begin();
  const ofl = sel.order_fl;
  let j = 0;
  const fds = m._fds;
  const chs = m._channels;
  m._walk();
  try {
    // The length is read at every step: a channel added by a predicate is reached, as Map's
    // iteration reaches it.
    for (let i = 0; i < chs.length; i++) {
      const obj = chs[i] as Channel | null;
      if (obj === null) continue;
      const fd = fds[i] as number;
      const lists = lists_of(obj);
      any |= lists;
      if (j < ofl.length && ofl[j] === fd && ofl[j + 1] === lists) j += 2;
      else j = 2 * sel._set_at(j >> 1, fd, lists);
    }
  } finally {
    m._walked();
  }
  sel._end_at(j >> 1);
  return any !== 0;
}

/** select_pass() of a traced iteration: the same calls in the same order, recorded. */
function select_pass_traced(m: SocketMap, st: MapState, t: trace.IterationTrace): boolean {
  const sel = st.selector;
  let any = false;
  sel.begin();
  for (const [fd, obj] of m) {
    const is_r = obj.readable();
    const is_w = obj.writable();
    let lists = 0;
    if (is_r) lists |= IN_R;
    if (is_w && !obj.accepting) lists |= IN_W;
    if (is_r || is_w) {
      lists |= IN_X;
      any = true;
    }
    sel.set(fd, lists);
    if (lists & IN_R) t.readable.push(trace.ref(fd, obj));
    if (lists & IN_W) t.writable.push(trace.ref(fd, obj));
    if (lists & IN_X) t.exceptional.push(trace.ref(fd, obj));
  }
  sel.end(m);
  return any;
}

/** poll() with all three lists empty: Python sleeps; the sleep still wakes for a new channel or queued output. */
async function select_idle(timeout: number | null, st: MapState, t: trace.IterationTrace | null, started: number): Promise<void> {
  const intr = st.interrupt;
  await yield_to_node();
  const ms = timeout === null ? null : timeout * 1000;
  const pending = ms !== 0 && intr.consume();
  if (ms !== 0 && !pending) await wait_for_change([], ms, intr.sleeper);
  if (t) {
    t.waited_ms = performance.now() - started;
    t.woke = pending || intr.consume() ? "interrupt" : "timeout";
    trace.finish(t);
  }
}

function select_dispatch(m: SocketMap, rr: number[], ww: number[], ee: number[], t: trace.IterationTrace | null): void {
  // Index loops: no array iterator made per list per iteration.
  try {
    for (let i = 0; i < rr.length; i++) {
      const fd = rr[i] as number;
      const obj = m.get(fd);
      if (obj === undefined) continue;
      if (t) trace.dispatching(t, fd, obj, "read");
      read(obj);
    }
    for (let i = 0; i < ww.length; i++) {
      const fd = ww[i] as number;
      const obj = m.get(fd);
      if (obj === undefined) continue;
      if (t) trace.dispatching(t, fd, obj, "write");
      write(obj);
    }
    for (let i = 0; i < ee.length; i++) {
      const fd = ee[i] as number;
      const obj = m.get(fd);
      if (obj === undefined) continue;
      if (t) trace.dispatching(t, fd, obj, "_exception");
      _exception(obj);
    }
  } finally {
    if (t) trace.finish(t);
  }
}

/** select_dispatch() of the untraced loop, over the selector's reused answer lists. */
function select_dispatch_into(m: SocketMap, sel: Selector): void {
  const { r, w, x, nr, nw, nx } = sel;
  for (let i = 0; i < nr; i++) {
    const obj = m.get(r[i] as number);
    if (obj !== undefined) read(obj);
  }
  for (let i = 0; i < nw; i++) {
    const obj = m.get(w[i] as number);
    if (obj !== undefined) write(obj);
  }
  for (let i = 0; i < nx; i++) {
    const obj = m.get(x[i] as number);
    if (obj !== undefined) _exception(obj);
  }
}

/**
 * One iteration over poll(): Python's asyncore.poll2(timeout, map). CPython builds a new poll
 * object each time; this one keeps it and re-registers only the fds whose interest changed,
 * which is the same to every observer and costs O(ready) instead of O(map) in the wait.
 */
export async function poll2(timeout: number | null = 0.0, map?: SocketMap | null): Promise<void> {
  const m = map ?? socket_map;
  if (m.size === 0) return;
  check_poll2_timeout(timeout);
  const st = state_of(m);
  const intr = st.interrupt;
  if (st.step?.paused) {
    await st.step.gate(intr);
    if (m.size === 0) return;
  }
  intr.reset();
  const ms = timeout === null ? null : Math.trunc(timeout * 1000);
  const t = trace.tracing ? trace.begin(m, st, "poll", seconds(timeout)) : null;
  poll2_pass(m, st, t);
  const started = t ? performance.now() : 0;
  const ready = await st.registrations.pollster.poll(ms, intr);
  if (t) {
    const now = performance.now();
    t.waited_ms = now - started;
    // Nothing ready: poll() returned at its deadline, or early for the interrupt.
    t.woke = ready.length ? "ready" : ms !== null && ms >= 0 && now >= started + ms ? "timeout" : "interrupt";
    for (const [fd, flags] of ready) t.ready.push({ ...trace.ref(fd, m.get(fd)), events: trace.event_names(flags) });
  }
  poll2_dispatch(m, ready, t);
}

function check_poll2_timeout(timeout: unknown): void {
  // CPython's poll2 multiplies first (a str repeats, then int() fails); the argument check of poll.poll() is the sensible error.
  if (timeout !== null && typeof timeout !== "number") throw new TypeError("timeout must be an integer or None");
}

/** A channel's poll interest this iteration: POLLIN|POLLPRI, POLLOUT (never for an accepting one); a const, as lists_of. */
const interest_of = (obj: Channel): number => {
  let flags = 0;
  if (obj.readable()) flags = Bits.POLLIN | Bits.POLLPRI;
  // accepting sockets are never in the write set
  if (obj.writable() && !obj.accepting) flags |= Bits.POLLOUT;
  return flags;
};

/** poll2()'s pass over the map: each channel's interest, registered where it changed. */
function poll2_pass(m: SocketMap, st: MapState, t: trace.IterationTrace | null): void {
  if (t !== null) return poll2_pass_traced(m, st, t);
  if (m instanceof ChannelMap) return poll2_pass_places(m, st);
  const regs = st.registrations;
  regs.begin();
  // An unchanged place checked here, as in select_pass.
  const off = regs.order_ff;
  let j = 0;
  // Keys and values in step, as in select_pass.
  const fds = m.keys();
  for (const obj of m.values()) {
    const fd = fds.next().value as number;
    const flags = interest_of(obj);
    if (!(j < off.length && off[j] === fd && off[j + 1] === flags)) regs._set_at(j >> 1, fd, flags);
    j += 2;
  }
  regs._sweep_at(j >> 1, m);
}

/** poll2_pass() over a ChannelMap: its places walked as arrays, as in select_pass_places. */
function poll2_pass_places(m: ChannelMap, st: MapState): void {
  const regs = st.registrations;
  regs.begin();
  const off = regs.order_ff;
  let j = 0;
  const fds = m._fds;
  const chs = m._channels;
  m._walk();
  try {
    for (let i = 0; i < chs.length; i++) {
      const obj = chs[i] as Channel | null;
      if (obj === null) continue;
      const fd = fds[i] as number;
      const flags = interest_of(obj);
      if (!(j < off.length && off[j] === fd && off[j + 1] === flags)) regs._set_at(j >> 1, fd, flags);
      j += 2;
    }
  } finally {
    m._walked();
  }
  regs._sweep_at(j >> 1, m);
}

/** poll2_pass() of a traced iteration: the same calls in the same order, recorded. */
function poll2_pass_traced(m: SocketMap, st: MapState, t: trace.IterationTrace): void {
  const regs = st.registrations;
  regs.begin();
  for (const [fd, obj] of m) {
    let flags = 0;
    if (obj.readable()) flags |= POLLIN | POLLPRI;
    if (obj.writable() && !obj.accepting) flags |= POLLOUT;
    regs.set(fd, flags);
    if (flags & POLLIN) t.readable.push(trace.ref(fd, obj));
    if (flags & POLLOUT) t.writable.push(trace.ref(fd, obj));
    if (flags) t.exceptional.push(trace.ref(fd, obj));
  }
  regs.sweep(m);
}

function poll2_dispatch(m: SocketMap, ready: ReadonlyArray<[number, number]>, t: trace.IterationTrace | null): void {
  try {
    // An index loop: no iterator, and no destructuring of each pair through one.
    for (let i = 0; i < ready.length; i++) {
      const [fd, flags] = ready[i] as [number, number];
      const obj = m.get(fd);
      if (obj === undefined) continue;
      if (t) trace.dispatching(t, fd, obj, `readwrite ${trace.event_names(flags).join("|")}`);
      readwrite(obj, flags);
    }
  } finally {
    if (t) trace.finish(t);
  }
}

/** poll2_dispatch() of the untraced loop, over the poll object's reused answer arrays. */
function poll2_dispatch_into(m: SocketMap, fds: readonly number[], revents: readonly number[], n: number): void {
  for (let i = 0; i < n; i++) {
    const obj = m.get(fds[i] as number);
    if (obj !== undefined) readwrite(obj, revents[i] as number);
  }
}

/** Python's alias. */
export const poll3 = poll2;

export interface LoopOptions {
  /** Seconds each select/poll may wait (default 30.0; null waits forever). */
  readonly timeout?: number | null;
  readonly use_poll?: boolean;
  readonly map?: SocketMap | null;
  /** Iterations to run at most (default: until the map is empty). */
  readonly count?: number | null;
}

/**
 * Python's asyncore.loop(timeout=30.0, use_poll=False, map=None, count=None), awaited:
 * `await loop()` or `await loop({ timeout: 1, use_poll: true })`. Resolves when the map is
 * empty or count iterations ran; ExitNow (or an error outside any channel) rejects it.
 */
export function loop(
  timeout: number | null | LoopOptions = 30.0,
  use_poll = false,
  map: SocketMap | null = null,
  count: number | null = null,
): Promise<void> {
  let to: number | null = 30.0;
  let run: LoopRun;
  // What the async function threw before its first await rejected its promise: the same here.
  try {
    if (timeout !== null && typeof timeout === "object") {
      to = timeout.timeout === undefined ? 30.0 : timeout.timeout;
      use_poll = timeout.use_poll ?? false;
      map = timeout.map ?? null;
      count = timeout.count ?? null;
    } else {
      to = timeout;
    }
    const m = map ?? socket_map;
    if (count !== null && typeof count !== "number" && m.size > 0) {
      throw new TypeError(`'>' not supported between instances of '${py_type(count)}' and 'int'`);
    }
    run = new LoopRun(m, to, use_poll, count);
  } catch (err) {
    return Promise.reject(err);
  }
  run.resume();
  return run.promise;
}

/**
 * A resolved promise: then() on it queues its callback as one turn of the microtask queue, the
 * turn that `await` of a resolved promise (or of undefined) takes, without the new promise and
 * the resume closures of an await.
 */
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Of the yields of iterations that find something ready at once, how many in a row may be a turn
 * of the tick queue instead of a turn of Node's loop (ARCHITECTURE.md, "One yield per iteration").
 */
const TICK_YIELDS = 7;

/** Where a LoopRun resumes. */
const enum Step {
  /** The loop's condition, then the next iteration's pass. */
  Top,
  /** select(): the next look. */
  SelectLook,
  /** select(): after its yield to Node. */
  SelectYielded,
  /** select(): after its sleep. */
  SelectSlept,
  /** select()'s answer is in: dispatch it. */
  SelectDispatch,
  /** poll(): the next look. */
  PollLook,
  /** poll(): after its yield to Node. */
  PollYielded,
  /** poll(): after its sleep. */
  PollSlept,
  /** poll()'s answer is lent: dispatch it. */
  PollDispatch,
  /** The iteration is over (its last turn taken): count it. */
  End,
}

/**
 * One loop() call, run as callbacks instead of an async function: each `await` of the async
 * version is a then() on RESOLVED, on the sleep's promise or on the promise of a traced or paused
 * iteration's poll()/poll2(), queued at the same point, so that every step runs in the same
 * turn of the microtask queue as it did (test/asyncore/loop_timing.test.ts). The yield to Node is
 * setImmediate() (or, for up to TICK_YIELDS ready iterations in a row, nextTick(): yield_now()) of
 * a callback made once per run, which queues the continuation as the resolved promise did. Per
 * iteration this makes an Immediate or a tick and one then() per turn, where each await made a
 * promise, its resolving functions, an executor closure and the await's resume closures
 * (ARCHITECTURE.md, "One yield per iteration"). What an iteration does is that of poll() and
 * poll2() (the pass, Selector.select()'s or poll.poll()'s steps, the dispatch) in the same order;
 * a traced or paused iteration runs poll()/poll2() itself.
 */
class LoopRun {
  readonly promise: Promise<void>;
  private settle!: (value: undefined) => void;
  private reject!: (err: unknown) => void;
  private step = Step.Top;
  private readonly st: MapState;
  /** The wait of this iteration: its deadline, whether it yielded, whether it slept. */
  private deadline = 0;
  private yielded = false;
  private slept = false;
  /** select(): the look that yielded. poll(): the number of ready fds lent. */
  private next = 0;
  /**
   * Yields taken as a turn of the tick queue since the last turn of Node's loop (a setImmediate
   * or a sleep); starts full, so that a run's first yield is a turn of Node's loop.
   */
  private tick_yields = TICK_YIELDS;
  /**
   * The map's selector or poll object, read once from the MapState (whose getters were a call
   * each, five or so per iteration); each stays the map's for good once made.
   */
  private sel: Selector | null = null;
  private pollster: Poller | null = null;

  constructor(
    private readonly m: SocketMap,
    private readonly to: number | null,
    private readonly use_poll: boolean,
    private count: number | null,
  ) {
    this.promise = new Promise<void>((resolve, reject) => {
      this.settle = resolve;
      this.reject = reject;
    });
    this.st = state_of(m);
    // While the loop runs, its wait timer stays ref'd between iterations instead of being
    // toggled twice per iteration; it lets go when the loop ends.
    this.st.interrupt.sleeper.hold();
  }

  /** Run from where the run stopped until its next wait, its end or an error. */
  readonly resume = (): void => {
    try {
      this.run();
    } catch (err) {
      this.fail(err);
    }
  };

  /** The yield's immediate: the continuation is the next turn of the microtask queue, as a resolved promise's. */
  private readonly yielded_cb = (): void => {
    void RESOLVED.then(this.resume);
  };

  /**
   * The iteration's one yield before it answers. When the look found something ready, up to
   * TICK_YIELDS in a row are a turn of the tick queue: what the handlers queued (microtasks,
   * nextTicks, Node's own ticks) still runs before the next answer, but Node's I/O, timers and
   * immediates wait for the next turn of its loop, at most TICK_YIELDS iterations later. A bulk
   * read in small recv()s takes one turn of Node's loop per chunk Node read, not one per recv().
   */
  private yield_now(found: boolean): void {
    if (found && this.tick_yields < TICK_YIELDS) {
      this.tick_yields++;
      nextTick(this.yielded_cb);
    } else {
      this.tick_yields = 0;
      setImmediate(this.yielded_cb);
    }
  }

  /** A poll()/poll2() (traced or paused) or select_idle() that rejected: the loop rejects. */
  private readonly fail = (err: unknown): void => {
    this.st.interrupt.sleeper.release();
    this.reject(err);
  };

  /** The next turn of the microtask queue (the `await undefined` of the async version). */
  private turn(step: Step): void {
    this.step = step;
    void RESOLVED.then(this.resume);
  }

  private run(): void {
    const m = this.m;
    const st = this.st;
    const intr = st.interrupt;
    for (;;) {
      switch (this.step) {
        case Step.Top: {
          const count = this.count;
          if (!(m.size > 0 && (count === null || count > 0))) {
            intr.sleeper.release();
            this.settle(undefined);
            return;
          }
          if (st.step?.paused || trace.tracing) {
            this.step = Step.End;
            (this.use_poll ? poll2 : poll)(this.to, m).then(this.resume, this.fail);
            return;
          }
          if (this.use_poll) {
            // poll2() without its own async frame (and promise): the same steps in the same order.
            check_poll2_timeout(this.to);
            intr.reset();
            const ms = this.to === null ? null : Math.trunc(this.to * 1000);
            poll2_pass(m, st, null);
            // poll.poll()'s steps taken here, answering in the poll object's reused arrays,
            // handed back once dispatched.
            const p = (this.pollster ??= st.registrations.pollster);
            this.deadline = p._deadline_of(ms);
            this.yielded = false;
            this.slept = false;
            this.next = 0;
            this.step = Step.PollLook;
          } else {
            intr.reset();
            if (!select_pass(m, st, null)) {
              this.step = Step.End;
              select_idle(this.to, st, null, 0).then(this.resume, this.fail);
              return;
            }
            // Selector.select()'s steps taken here, answering in the selector's reused lists,
            // handed back once dispatched.
            this.deadline = (this.sel ??= st.selector).deadline_of(check_timeout(this.to));
            this.yielded = false;
            this.slept = false;
            this.step = Step.SelectLook;
          }
          continue;
        }
        case Step.SelectLook: {
          const sel = this.sel as Selector;
          const next = sel.look(this.deadline, this.yielded, intr);
          this.deadline = sel._deadline;
          if (next === Next.Yield || next === Next.YieldInterrupted) {
            this.next = next;
            this.step = Step.SelectYielded;
            this.yield_now(next === Next.Yield && sel._found);
            return;
          }
          if (next === Next.Sleep) {
            this.tick_yields = 0;
            const sleeper = intr.sleeper;
            sel.sleeper = sleeper;
            this.step = Step.SelectSlept;
            void sleeper.sleep(sel.left).then(this.resume);
            return;
          }
          if (this.select_answered()) return;
          continue;
        }
        case Step.SelectYielded:
          this.yielded = true;
          if ((this.sel as Selector).after_yield(this.next, intr)) {
            if (this.select_answered()) return;
          } else {
            this.step = Step.SelectLook;
          }
          continue;
        case Step.SelectSlept: {
          const sel = this.sel as Selector;
          sel.sleeper = null;
          this.yielded = true;
          this.slept = true;
          if (sel.after_sleep(intr)) {
            if (this.select_answered()) return;
          } else {
            this.step = Step.SelectLook;
          }
          continue;
        }
        case Step.SelectDispatch: {
          const sel = this.sel as Selector;
          select_dispatch_into(m, sel);
          sel.release();
          // poll()'s return was one more turn of the microtask queue: what the handlers queued
          // still runs before the next pass.
          this.turn(Step.End);
          return;
        }
        case Step.PollLook: {
          const p = this.pollster as Poller;
          const next = p._look(this.deadline, this.yielded, intr);
          this.deadline = p._deadline;
          if (next === LOOK_YIELD || next === LOOK_YIELD_NONE) {
            this.next = next;
            this.step = Step.PollYielded;
            this.yield_now(next === LOOK_YIELD && p._found > 0);
            return;
          }
          if (next >= 0) {
            this.next = next;
            if (this.poll_answered()) return;
            continue;
          }
          this.tick_yields = 0;
          const sleeper = intr.sleeper;
          p._waiting_on(sleeper);
          this.step = Step.PollSlept;
          void sleeper.sleep(p._left).then(this.resume);
          return;
        }
        case Step.PollYielded:
          this.yielded = true;
          if (this.next === LOOK_YIELD_NONE) {
            this.next = 0;
            if (this.poll_answered()) return;
          } else {
            this.step = Step.PollLook;
          }
          continue;
        case Step.PollSlept:
          (this.pollster as Poller)._waiting_on(null);
          this.yielded = true;
          this.slept = true;
          if (intr.consume()) {
            this.next = 0;
            if (this.poll_answered()) return;
          } else {
            this.step = Step.PollLook;
          }
          continue;
        case Step.PollDispatch: {
          const p = this.pollster as Poller;
          poll2_dispatch_into(m, p._fds, p._revents, this.next);
          p._release();
          // poll2()'s return was one more turn of the microtask queue, as for select() above.
          this.turn(Step.End);
          return;
        }
        case Step.End:
          if (this.count !== null) this.count--;
          this.step = Step.Top;
          continue;
      }
    }
  }

  /**
   * select() answered (in the selector's lists). Its return was one more turn of the microtask
   * queue. After the yield alone nothing else can be queued (its immediate's callback only
   * queues the continuation), so that turn is left out there; a wait can be ended by wake() from
   * any code, so after a sleep it stays. True when the run waits for that turn.
   */
  private select_answered(): boolean {
    if (this.slept) {
      this.turn(Step.SelectDispatch);
      return true;
    }
    this.step = Step.SelectDispatch;
    return false;
  }

  /** poll() answered `next` ready fds (the poll object's arrays, lent): as select_answered(). */
  private poll_answered(): boolean {
    (this.pollster as Poller)._lend(this.next);
    if (this.slept) {
      this.turn(Step.PollDispatch);
      return true;
    }
    this.step = Step.PollDispatch;
    return false;
  }
}

/** Python's asyncore.close_all(map=None, ignore_all=False): close every channel and empty the map. */
export function close_all(map: SocketMap | null = null, ignore_all = false): void {
  const m = map ?? socket_map;
  for (const x of [...m.values()]) {
    try {
      x.close();
    } catch (err) {
      if (errno_of_error(err) === EBADF) continue;
      if (is_reraised(err) || !ignore_all) throw err;
    }
  }
  m.clear();
}

