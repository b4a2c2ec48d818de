// Step mode: pause a map's loop at the end of an iteration, run it one iteration at a time, resume.
import { POLLIN, POLLOUT, POLLPRI, poll as Poller, type Interrupt } from "../select/index.js";
import { ValueError } from "../errno/index.js";
import { py_type } from "../socket/bytes.js";
import { readwrite } from "./dispatch.js";
import { socket_map, state_of, wake, type Channel, type MapState, type SocketMap } from "./map.js";
import { add_observer, type IterationTrace } from "./trace.js";

/** Where a map's step mode stands, as pause()/step()/resume() left it. */
export interface StepStatus {
  readonly paused: boolean;
  /** Iterations granted by step() and not run yet. */
  readonly steps: number;
  /** The loop is held: waiting at the start of an iteration for step() or resume(). */
  readonly holding: boolean;
}

/**
 * A map's step mode (owned by its MapState, made on first use). While paused, the map's loop
 * waits at the start of its next iteration; the channels set aside (an inspector's own) are
 * still served there, by side iterations that no observer sees (ARCHITECTURE.md, "Step mode").
 */
export class StepState {
  #paused = false;
  #steps = 0;
  /** True while an iteration that step() granted runs. */
  #granted = false;
  #holding = false;
  /** Channels served while the map is paused, by fd. */
  readonly #aside = new Map<number, Channel>();
  readonly #listeners = new Set<(s: StepStatus) => void>();
  /** The side iterations' poll object and what it has registered; dropped on leaving the pause. */
  #pollster: Poller | null = null;
  readonly #masks = new Map<number, number>();
  #stop_observing: (() => void) | null = null;

  constructor(private readonly map: SocketMap) {}

  get paused(): boolean {
    return this.#paused;
  }

  get status(): StepStatus {
    return { paused: this.#paused, steps: this.#steps, holding: this.#holding };
  }

  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#steps = 0;
    this.#granted = false;
    // The observer counts the granted iterations; while it is there the loop traces (paused: fine).
    this.#stop_observing = add_observer(this.#observe, { reprs: false });
    // End the wait in progress, so the pause does not wait for the next event or timeout.
    wake(this.map);
    this.#changed();
  }

  step(count: number): void {
    if (typeof count !== "number") throw new TypeError(`step count must be an integer, not '${py_type(count)}'`);
    if (!Number.isInteger(count) || count < 1) throw new ValueError(`step count must be a positive integer, not ${count}`);
    if (!this.#paused) this.pause();
    this.#steps += count;
    wake(this.map);
    this.#changed();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#steps = 0;
    this.#granted = false;
    this.#stop_observing?.();
    this.#stop_observing = null;
    wake(this.map);
    this.#changed();
  }

  set_aside(fd: number, ch: Channel): void {
    this.#aside.set(fd, ch);
    // A paused loop's side wait must take the newcomer in.
    if (this.#paused) wake(this.map);
  }

  /** Is the channel at `fd` one set aside (still in the map, or just gone from it)? */
  is_aside(fd: number): boolean {
    const ch = this.#aside.get(fd);
    if (ch === undefined) return false;
    const now = this.map.get(fd);
    return now === ch || now === undefined;
  }

  /** True for an iteration in which something was ready and all of it was set aside. */
  aside_only(t: IterationTrace): boolean {
    if (t.ready.length === 0 || this.#aside.size === 0) return false;
    for (const r of t.ready) if (!this.is_aside(r.fd)) return false;
    return true;
  }

  listen(fn: (s: StepStatus) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #changed(): void {
    const s = this.status;
    for (const fn of [...this.#listeners]) fn(s);
  }

  /** A granted iteration ended: it counts unless only channels set aside were ready in it. */
  readonly #observe = (t: IterationTrace): void => {
    if (t.map !== this.map || !this.#granted || this.aside_only(t)) return;
    this.#granted = false;
    this.#steps--;
    this.#changed();
  };

  /** The start of an iteration of a paused map: serve what is set aside until step() or resume(). */
  async gate(intr: Interrupt): Promise<void> {
    const m = this.map;
    if (this.#steps === 0 && m.size > 0) {
      // The loop now holds: listeners learn the iteration it stopped after.
      this.#holding = true;
      this.#changed();
    }
    try {
      while (this.#paused && this.#steps === 0 && m.size > 0) await this.#side_iteration(intr);
    } finally {
      this.#holding = false;
      this.#drop_pollster();
    }
    this.#granted = this.#paused;
  }

  /** One iteration over the channels set aside only (poll()'s rules), seen by no observer. */
  async #side_iteration(intr: Interrupt): Promise<void> {
    intr.reset();
    const m = this.map;
    const p = (this.#pollster ??= new Poller());
    for (const [fd, ch] of this.#aside) {
      let flags = 0;
      if (m.get(fd) !== ch) this.#aside.delete(fd);
      else {
        if (ch.readable()) flags |= POLLIN | POLLPRI;
        if (ch.writable() && !ch.accepting) flags |= POLLOUT;
      }
      const had = this.#masks.get(fd) ?? 0;
      if (flags === had) continue;
      if (flags === 0) {
        p.unregister(fd);
        this.#masks.delete(fd);
      } else {
        p.register(fd, flags);
        this.#masks.set(fd, flags);
      }
    }
    for (const fd of this.#masks.keys()) {
      if (!this.#aside.has(fd)) {
        p.unregister(fd);
        this.#masks.delete(fd);
      }
    }
    const ready = await p.poll(null, intr);
    for (const [fd, flags] of ready) {
      const ch = m.get(fd);
      if (ch !== undefined && this.#aside.get(fd) === ch) readwrite(ch, flags);
    }
  }

  #drop_pollster(): void {
    const p = this.#pollster;
    if (p === null) return;
    for (const fd of this.#masks.keys()) p.unregister(fd);
    this.#masks.clear();
    this.#pollster = null;
  }
}

function step_state(map: SocketMap): StepState {
  const st: MapState = state_of(map);
  return (st.step ??= new StepState(map));
}

/**
 * Pause the loop of `map` at the end of the iteration in progress (which is woken and ends at
 * once): its next iteration waits until step() or resume(). Timers and other maps run on;
 * sockets keep buffering what arrives, so nothing is lost.
 */
export function pause(map: SocketMap = socket_map): void {
  step_state(map).pause();
}

/** Run `count` (default 1) more iterations of a paused map, then pause again; pauses a running one first. */
export function step(map: SocketMap = socket_map, count = 1): void {
  step_state(map).step(count);
}

/** Let a paused map's loop run on. */
export function resume(map: SocketMap = socket_map): void {
  step_state(map).resume();
}

/** Where step mode stands for `map`. */
export function step_status(map: SocketMap = socket_map): StepStatus {
  return step_state(map).status;
}

/**
 * Keep serving `channel` (in `map`) while the map is paused, outside the user's iterations: what
 * an inspector does with its own channels. It stays set aside until it leaves the map. An
 * iteration in which only such channels were ready does not use up a step() (aside_only).
 */
export function set_aside(channel: Channel, map: SocketMap = socket_map): void {
  const fd = channel._fileno;
  if (typeof fd !== "number" || map.get(fd) !== channel) throw new ValueError("set_aside: the channel is not in that map");
  step_state(map).set_aside(fd, channel);
}

/** Hear every change of step mode of `map`: pause, step, a granted iteration done, the loop holding, resume. */
export function on_step_change(map: SocketMap, fn: (s: StepStatus) => void): () => void {
  return step_state(map).listen(fn);
}

/** An observed iteration in which only channels set aside were ready (an inspector serving itself). */
export function aside_only(t: IterationTrace): boolean {
  return state_of(t.map).step?.aside_only(t) ?? false;
}

/** Is the channel at `fd` of `map` set aside? */
export function is_aside(map: SocketMap, fd: number): boolean {
  return state_of(map).step?.is_aside(fd) ?? false;
}
