// Watching the loop: per-iteration records of the sets built, what was ready, what ran, and the wait.
import type { Channel, MapState, SocketMap } from "./map.js";

/** A channel as a trace shows it. */
export interface ChannelRef {
  readonly fd: number;
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

const observers = new Set<Observer>();
let current: Dispatch | null = null;

/** True while someone observes: the loop builds trace records only then. */
export let tracing = false;

/** Observe every loop iteration (all maps); returns the function that stops observing. */
export function add_observer(fn: Observer): () => void {
  observers.add(fn);
  tracing = true;
  return () => {
    observers.delete(fn);
    tracing = observers.size > 0;
  };
}

export function ref(fd: number, obj: Channel | undefined): ChannelRef {
  let repr: string;
  try {
    repr = obj === undefined ? "<gone>" : String(obj);
  } catch {
    repr = "<repr failed>";
  }
  return { fd, repr };
}

/** An observed iteration of `map` (whose state numbers it) begins. */
export function begin(map: SocketMap, state: MapState, mode: "select" | "poll", timeout: number | null): IterationTrace {
  const n = state.count_observed();
  return {
    map, iteration: n, mode, timeout, readable: [], writable: [], exceptional: [], ready: [],
    dispatched: [], waited_ms: 0, woke: "idle",
  };
}

/** Start recording what the handlers of `fd` do. */
export function dispatching(t: IterationTrace, fd: number, obj: Channel, handler: string): void {
  current = { fd, repr: ref(fd, obj).repr, handler, actions: [] };
  t.dispatched.push(current);
}

/** A handler's action, noted when a dispatch is being traced (cheap no-op otherwise). */
export function note(action: Action): void {
  current?.actions.push(action);
}

export function finish(t: IterationTrace): void {
  current = null;
  for (const fn of observers) fn(t);
}

const EVENT_NAMES: ReadonlyArray<readonly [number, string]> = [
  [0x001, "POLLIN"], [0x002, "POLLPRI"], [0x004, "POLLOUT"], [0x008, "POLLERR"],
  [0x010, "POLLHUP"], [0x020, "POLLNVAL"],
];

export function event_names(flags: number): string[] {
  return EVENT_NAMES.filter(([bit]) => flags & bit).map(([, name]) => name);
}
