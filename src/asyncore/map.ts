// The socket map (fd → channel) and the one object that holds what the loop keeps for each map.
import { Interrupt, poll as Poller, Selector } from "../select/index.js";
import { ChannelMap } from "./channel_map.js";
import type { StepState } from "./step.js";

/** Anything the loop can drive: what asyncore's poll functions and close_all() use of a map entry. */
export interface Channel {
  /**
   * The channel's descriptor while it is in a map; null once del_channel() took it out. The loop
   * reads it to run no handler of a closed channel, not even for events it already collected
   * (ARCHITECTURE.md, "No handler after close"). A channel without it counts as open.
   */
  readonly _fileno?: number | null;
  readable(): boolean;
  writable(): boolean;
  /** A listening channel: never in the write set. */
  readonly accepting?: boolean;
  handle_read_event(): void;
  handle_write_event(): void;
  handle_expt_event(): void;
  handle_close(): void;
  handle_error(err?: unknown): void;
  close(): void;
}

/**
 * Python's `dict` socket map: fd → channel. A plain Map, because that is what ported code makes
 * (`map = {}` becomes `new Map()`); what the loop keeps per map lives in its MapState instead.
 */
export type SocketMap = Map<number, Channel>;

/**
 * The default map, Python's `asyncore.socket_map`: a ChannelMap, which is a Map whose pass is
 * cheaper.
 */
export const socket_map: SocketMap = new ChannelMap();

/**
 * poll2()'s poll object, kept between iterations, each fd registered for its interest
 * (ARCHITECTURE.md, "Poll registrations"). What is registered is read from the poll object's
 * own table of registrations (poll._interest(): one lookup per changed fd), not kept in a table
 * of our own beside it (a hash table of the map's size).
 */
export class Registrations {
  readonly pollster = new Poller();
  /**
   * The last pass's fds and interests, in the map's order, side by side (place i's fd at 2i, its
   * interest at 2i + 1): a map walked in the same order finds each fd's interest at its position,
   * without a lookup (what is registered is the same then). One array rather than two, as the
   * pass's optimized code checks an array's map, length and bounds at every channel.
   */
  /** @internal (read by poll2's pass, which checks an unchanged place itself: see _set_at()) */
  readonly order_ff: number[] = [];
  private count = 0;
  /**
   * fds whose place a pass gave to another fd (or cut off at its end): each is still in the map or
   * left it, and sweep() unregisters those that left. Every registered fd is at a place in
   * order_ff or here.
   */
  private readonly displaced: number[] = [];
  /** begin() was called and sweep() not yet. */
  private passing = false;

  /** A pass over the map begins. */
  begin(): void {
    if (this.passing) {
      // The last pass was cut short (a readable() that threw): its places may hold an fd beside
      // its interest of an earlier pass. Forget them all; this pass finds each fd by lookup.
      const ff = this.order_ff;
      for (let j = 0; j < ff.length; j += 2) this.displaced.push(ff[j] as number);
      ff.length = 0;
    }
    this.passing = true;
    this.count = 0;
  }

  /** `fd`'s interest this iteration (0: none); the poll object hears only of changes. */
  set(fd: number, flags: number): void {
    const i = this.count++;
    const ff = this.order_ff;
    const j = 2 * i;
    // Compared only within the array: a compare that has once seen undefined (a place past the
    // end) is a call of the generic StrictEqual builtin in optimized code from then on, for every
    // channel of every pass (~6 instructions per channel).
    if (j < ff.length) {
      const was = ff[j] as number;
      if (was === fd) {
        if (ff[j + 1] === flags) return;
      } else {
        this.displaced.push(was);
      }
    }
    ff[j] = fd;
    ff[j + 1] = flags;
    // Registered, modified or unregistered as the poll object's registration of fd requires.
    this.pollster._interest(fd, flags, i);
  }

  /**
   * set() at place `i`, for a pass that walks the places itself: it skips set() where
   * order_ff[2i] and order_ff[2i + 1] are already `fd` and `flags` (what set() would find and
   * leave) and calls this for the others.
   */
  _set_at(i: number, fd: number, flags: number): void {
    this.count = i;
    this.set(fd, flags);
  }

  /** sweep() after a pass that walked the places itself: `count` places were stated. */
  _sweep_at(count: number, map: SocketMap): void {
    this.count = count;
    this.sweep(map);
  }

  /**
   * After a pass over `map`: the channels that left the map since the last pass are among the
   * displaced fds; stop watching them.
   */
  sweep(map: SocketMap): void {
    this.passing = false;
    const ff = this.order_ff;
    const d = this.displaced;
    const end = 2 * this.count;
    for (let j = end; j < ff.length; j += 2) d.push(ff[j] as number);
    if (ff.length > end) ff.length = end;
    if (d.length === 0) return;
    const p = this.pollster;
    for (let k = 0; k < d.length; k++) {
      const fd = d[k] as number;
      if (!map.has(fd)) p._interest(fd, 0, 0);
    }
    d.length = 0;
  }
}

/**
 * Everything the loop keeps for one map between iterations. The map itself stays a plain Map
 * (see SocketMap), so this is found through the map, in one table (state_of).
 */
export class MapState {
  /**
   * The map's in-process self-pipe: firing it wakes the loop waiting on the map (a channel added
   * or removed, output queued) — ARCHITECTURE.md, "Wake-ups".
   */
  readonly interrupt = new Interrupt();
  #registrations: Registrations | null = null;
  #selector: Selector | null = null;
  #observed = 0;
  /** Step mode (pause/step/resume), made on first use. */
  step: StepState | null = null;

  /** poll2()'s registrations (made on its first iteration over this map). */
  get registrations(): Registrations {
    return (this.#registrations ??= new Registrations());
  }

  /** poll()'s select lists, kept between iterations (made on its first iteration over this map). */
  get selector(): Selector {
    return (this.#selector ??= new Selector());
  }

  /** Iterations run while the loop was observed (the number the next trace gets is one more). */
  get observed_iterations(): number {
    return this.#observed;
  }

  /** An observed iteration begins: its number. */
  count_observed(): number {
    return ++this.#observed;
  }
}

const states = new WeakMap<SocketMap, MapState>();
/** socket_map's state, once made: wake() runs at every send, and most programs use the default map. */
let default_state: MapState | undefined;

/** The state of a map (made on first use; it goes with the map). */
export function state_of(map: SocketMap): MapState {
  let s = states.get(map);
  if (s === undefined) {
    s = new MapState();
    states.set(map, s);
    if (map === socket_map) default_state = s;
  }
  return s;
}

/**
 * Wake a loop waiting on `map` so that it re-reads readable()/writable() at once. Channels
 * added or removed and output queued through send()/push() wake it by themselves; call this
 * after changing state that a predicate reads from outside a handler (a timer, a promise).
 * A map no loop has run on has nothing to wake: its first iteration reads everything anyway.
 */
export function wake(map: SocketMap = socket_map): void {
  (map === socket_map ? default_state : states.get(map))?.interrupt.fire();
}

/** How many iterations a map's loop has run while being observed. */
export function iterations(map: SocketMap): number {
  return states.get(map)?.observed_iterations ?? 0;
}
