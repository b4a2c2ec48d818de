// The socket map (fd → channel) and each map's in-process self-pipe that wakes its waiting loop.
import { Interrupt } from "../select/index.js";

/** Anything the loop can drive: what asyncore's poll functions call on a map entry. */
export interface Channel {
  readable(): boolean;
  writable(): boolean;
  readonly accepting?: boolean;
  handle_read_event(): void;
  handle_write_event(): void;
  handle_expt_event(): void;
  handle_close(): void;
  handle_error(err?: unknown): void;
}

/** Python's `dict` socket map: fd → channel. */
export type SocketMap = Map<number, Channel>;

/** The default map, Python's `asyncore.socket_map`. */
export const socket_map: SocketMap = new Map();

const interrupts = new WeakMap<SocketMap, Interrupt>();

/** The self-pipe of a map (made on first use). */
export function interrupt_of(map: SocketMap): Interrupt {
  let i = interrupts.get(map);
  if (!i) {
    i = new Interrupt();
    interrupts.set(map, i);
  }
  return i;
}

/**
 * Wake a loop waiting on `map` so that it re-reads readable()/writable() at once. Channels
 * added or removed and output queued through send()/push() wake it by themselves; call this
 * after changing state that a predicate reads from outside a handler (a timer, a promise).
 */
export function wake(map: SocketMap = socket_map): void {
  interrupts.get(map)?.fire();
}
