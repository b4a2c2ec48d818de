// asyncore's loop: poll (select-based), poll2/poll3 (poll-based), loop() and close_all().
import { EBADF } from "../errno/index.js";
import { IN_R, IN_W, IN_X, POLLIN, POLLOUT, POLLPRI, check_timeout, yield_to_node, Next, LOOK_YIELD, LOOK_YIELD_NONE, type Selector } from "../select/index.js";
import { py_type } from "../socket/bytes.js";
import { wait_for_change } from "../select/wait.js";
import { _exception, read, readwrite, write } from "./dispatch.js";
import { errno_of_error, is_reraised } from "./errors.js";
import { socket_map, state_of, type MapState, type SocketMap } from "./map.js";
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

/** poll()'s pass over the map: each channel's lists, in the map's order. True if any list is non-empty. */
function select_pass(m: SocketMap, st: MapState, t: trace.IterationTrace | null): boolean {
  if (t !== null) return select_pass_traced(m, st, t);
  const sel = st.selector;
  let any = false;
  sel.begin();
  // Keys and values walked in step (both iterators follow the map's changes alike): V8 inlines
  // both iterators here, where a forEach callback is a call per channel and for…of over the
  // entries makes a [key, value] array per channel.
  const fds = m.keys();
  for (const obj of m.values()) {
    const fd = fds.next().value as number;
    const is_r = obj.readable();
    const is_w = obj.writable();
    let lists = 0;
    if (is_r) lists = Bits.IN_R;
    // accepting sockets are never in the write set
    if (is_w && !obj.accepting) lists |= Bits.IN_W;
    if (is_r || is_w) {
      lists |= Bits.IN_X;
      any = true;
    }
    sel.set(fd, lists);
  }
  sel.end(m);
  return any;
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

/** poll2()'s pass over the map: each channel's interest, registered where it changed. */
function poll2_pass(m: SocketMap, st: MapState, t: trace.IterationTrace | null): void {
  if (t !== null) return poll2_pass_traced(m, st, t);
  const regs = st.registrations;
  let wanted = 0;
  regs.begin();
  // Keys and values in step, as in select_pass.
  const fds = m.keys();
  for (const obj of m.values()) {
    const fd = fds.next().value as number;
    let flags = 0;
    if (obj.readable()) flags = Bits.POLLIN | Bits.POLLPRI;
    // accepting sockets are never in the write set
    if (obj.writable() && !obj.accepting) flags |= Bits.POLLOUT;
    if (flags) wanted++;
    regs.set(fd, flags);
  }
  regs.sweep(m, wanted);
}

/** poll2_pass() of a traced iteration: the same calls in the same order, recorded. */
function poll2_pass_traced(m: SocketMap, st: MapState, t: trace.IterationTrace): void {
  const regs = st.registrations;
  let wanted = 0;
  regs.begin();
  for (const [fd, obj] of m) {
    let flags = 0;
    if (obj.readable()) flags |= POLLIN | POLLPRI;
    if (obj.writable() && !obj.accepting) flags |= POLLOUT;
    if (flags) wanted++;
    regs.set(fd, flags);
    if (flags & POLLIN) t.readable.push(trace.ref(fd, obj));
    if (flags & POLLOUT) t.writable.push(trace.ref(fd, obj));
    if (flags) t.exceptional.push(trace.ref(fd, obj));
  }
  regs.sweep(m, wanted);
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
export async function loop(
  timeout: number | null | LoopOptions = 30.0,
  use_poll = false,
  map: SocketMap | null = null,
  count: number | null = null,
): Promise<void> {
  let to: number | null = 30.0;
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
  const poll_fun = use_poll ? poll2 : poll;
  // While the loop runs, its wait timer stays ref'd between iterations instead of being
  // toggled twice per iteration; it lets go when the loop ends.
  const st = state_of(m);
  const sleeper = st.interrupt.sleeper;
  sleeper.hold();
  try {
    while (m.size > 0 && (count === null || count > 0)) {
      if (st.step?.paused || trace.tracing) {
        await poll_fun(to, m);
      } else if (use_poll) {
        // poll2() without its own async frame (and promise): the same steps in the same order.
        check_poll2_timeout(to);
        const intr = st.interrupt;
        intr.reset();
        const ms = to === null ? null : Math.trunc(to * 1000);
        poll2_pass(m, st, null);
        // poll.poll()'s steps taken in this frame (no async frame and promise of its own per
        // iteration), as for select() below, answering in the poll object's reused arrays,
        // handed back once dispatched.
        const p = st.registrations.pollster;
        const deadline = p._deadline_of(ms);
        let yielded = false;
        let slept = false;
        let n = 0;
        for (;;) {
          const next = p._look(deadline, yielded, intr);
          if (next === LOOK_YIELD || next === LOOK_YIELD_NONE) {
            await yield_to_node();
            yielded = true;
            if (next === LOOK_YIELD_NONE) break;
            continue;
          }
          if (next >= 0) {
            n = next;
            break;
          }
          const sleeper = intr.sleeper;
          p._waiting_on(sleeper);
          try {
            await sleeper.sleep(p._left);
          } finally {
            p._waiting_on(null);
          }
          yielded = true;
          slept = true;
          if (intr.consume()) break;
        }
        p._lend(n);
        if (slept) await undefined;
        poll2_dispatch_into(m, p._fds, p._revents, n);
        p._release();
        // poll2()'s return was one more turn of the microtask queue: what the handlers queued
        // still runs before the next pass.
        await undefined;
      } else {
        const intr = st.interrupt;
        intr.reset();
        if (!select_pass(m, st, null)) {
          await select_idle(to, st, null, 0);
        } else {
          // Selector.select()'s steps taken in this frame (no async frame and promise of its
          // own per iteration), answering in the selector's reused lists, handed back once
          // dispatched.
          const sel = st.selector;
          const deadline = sel.deadline_of(check_timeout(to));
          let yielded = false;
          let slept = false;
          for (;;) {
            const next = sel.look(deadline, yielded, intr);
            if (next === Next.Yield || next === Next.YieldInterrupted) {
              await yield_to_node();
              yielded = true;
              if (sel.after_yield(next, intr)) break;
              continue;
            }
            if (next === Next.Sleep) {
              const sleeper = intr.sleeper;
              sel.sleeper = sleeper;
              try {
                await sleeper.sleep(sel.left);
              } finally {
                sel.sleeper = null;
              }
              yielded = true;
              slept = true;
              if (sel.after_sleep(intr)) break;
              continue;
            }
            break;
          }
          // select()'s return was one more turn of the microtask queue. After the yield alone
          // nothing else can be queued (its immediate's callback only resolves), so the turn is
          // left out there; a wait can be ended by wake() from any code, so after a sleep it stays.
          if (slept) await undefined;
          select_dispatch_into(m, sel);
          sel.release();
          await undefined;
        }
      }
      if (count !== null) count--;
    }
  } finally {
    sleeper.release();
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

