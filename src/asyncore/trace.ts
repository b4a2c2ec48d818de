// Watching the loop: per-iteration records of the sets built, what was ready, what ran, and the wait.
import type { Channel, MapState, SocketMap } from "./map.js";

/** A channel as a trace shows it. */
export interface ChannelRef {
  readonly fd: number;
  /** The channel's repr at the time, or "" when no observer asked for reprs (ObserverOptions). */
  readonly repr: string;
}

/** Something a handler did while dispatched. */
export type Action =
  | { readonly kind: "recv"; readonly bytes: number }
  | { readonly kind: "send"; readonly bytes: number }
  | { readonly kind: "accept"; readonly peer: string }
  | { readonly kind: "connect" }
  | { readonly kind: "close" }
  | { readonly kind: "error"; readonly error: string };

export interface Dispatch {
  readonly fd: number;
  /** As ChannelRef's: "" when no observer asked for reprs. */
  readonly repr: string;
  /** The wrapper the loop called: read, write, _exception, or readwrite with its flags. */
  readonly handler: string;
  readonly actions: Action[];
}

export interface IterationTrace {
  readonly map: SocketMap;
  readonly iteration: number;
  readonly mode: "select" | "poll";
  /** The timeout asked for, in seconds (null: forever). */
  readonly timeout: number | null;
  readonly readable: ChannelRef[];
  readonly writable: ChannelRef[];
  readonly exceptional: ChannelRef[];
  /** What came back: fd and the events (names) it was ready for. */
  readonly ready: Array<ChannelRef & { readonly events: string[] }>;
  readonly dispatched: Dispatch[];
  /** Milliseconds spent in select/poll (the yield to Node included). */
  waited_ms: number;
  /** Why the wait ended. */
  woke: "ready" | "timeout" | "interrupt" | "idle";
}

export type Observer = (t: IterationTrace) => void;

export interface ObserverOptions {
  /**
   * Whether this observer reads the channels' reprs (default true). A repr is a call into the
   * program's own code per channel asked, each iteration, the larger part of a trace's cost:
   * when no observer wants them, every ChannelRef and Dispatch carries the fd and repr "".
   */
  readonly reprs?: boolean;
}

/** Each observer and whether it wants reprs. */
const observers = new Map<Observer, boolean>();
let wanting_reprs = 0;
let current: Dispatch | null = null;

/** True while someone observes: the loop builds trace records only then. */
export let tracing = false;

/**
 * Observe every loop iteration (all maps); returns the function that stops observing. Adding
 * the same function again replaces its options.
 */
export function add_observer(fn: Observer, opts: ObserverOptions = {}): () => void {
  const reprs = opts.reprs ?? true;
  if (typeof reprs !== "boolean") throw new TypeError(`reprs must be a boolean, not ${typeof reprs}`);
  remove(fn);
  observers.set(fn, reprs);
  if (reprs) wanting_reprs++;
  tracing = true;
  return () => remove(fn);
}

function remove(fn: Observer): void {
  const had = observers.get(fn);
  if (had === undefined) return;
  observers.delete(fn);
  if (had) wanting_reprs--;
  tracing = observers.size > 0;
}

// The last ref made: the loop asks for the same channel's ref for each set it is in, one after
// the other (read, write, except), and a repr is computed once for them. Only within one
// synchronous pass: a microtask forgets it before the wait ends (the ready refs are of after it).
let last_obj: Channel | undefined;
let last_ref: ChannelRef | null = null;
let forget_queued = false;

export function ref(fd: number, obj: Channel | undefined): ChannelRef {
  if (wanting_reprs === 0) return { fd, repr: "" };
  if (last_ref !== null && last_obj === obj && last_ref.fd === fd) return last_ref;
  let repr: string;
  try {
    repr = obj === undefined ? "<gone>" : String(obj);
  } catch {
    repr = "<repr failed>";
  }
  last_obj = obj;
  last_ref = { fd, repr };
  if (!forget_queued) {
    forget_queued = true;
    queueMicrotask(forget);
  }
  return last_ref;
}

/** An observed iteration of `map` (whose state numbers it) begins. */
export function begin(map: SocketMap, state: MapState, mode: "select" | "poll", timeout: number | null): IterationTrace {
  const n = state.count_observed();
  forget();
  return {
    map, iteration: n, mode, timeout, readable: [], writable: [], exceptional: [], ready: [],
    dispatched: [], waited_ms: 0, woke: "idle",
  };
}

/** Start recording what the handlers of `fd` do. */
export function dispatching(t: IterationTrace, fd: number, obj: Channel, handler: string): void {
  // After the sets were built and handlers ran: a repr of now, not the sets' one.
  forget();
  current = { fd, repr: ref(fd, obj).repr, handler, actions: [] };
  t.dispatched.push(current);
}

/** A handler's action, noted when a dispatch is being traced (cheap no-op otherwise). */
export function note(action: Action): void {
  current?.actions.push(action);
}

export function finish(t: IterationTrace): void {
  current = null;
  forget();
  for (const fn of observers.keys()) fn(t);
}

/** A ref is reused within one pass over the map only (a channel's repr changes as it runs). */
function forget(): void {
  forget_queued = false;
  last_obj = undefined;
  last_ref = null;
}

const EVENT_NAMES: ReadonlyArray<readonly [number, string]> = [
  [0x001, "POLLIN"], [0x002, "POLLPRI"], [0x004, "POLLOUT"], [0x008, "POLLERR"],
  [0x010, "POLLHUP"], [0x020, "POLLNVAL"],
];

export function event_names(flags: number): string[] {
  return EVENT_NAMES.filter(([bit]) => flags & bit).map(([, name]) => name);
}
