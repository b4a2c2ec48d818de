// What the inspector's page receives: JSON shapes of iterations, channels and channel state.
//
// The inspector (a dispatcher on its own port) answers, over HTTP/1.1:
//   GET  /            the page (page.ts), live
//   GET  /snapshot    Snapshot as JSON
//   GET  /events      server-sent events: `iteration` (IterationRecord), `channel` (ChannelRow,
//                     sent when a channel appears or closes) and `control` (Control); added:
//                     `dropped` ({ events: k }) when k events were dropped for a page that fell
//                     more than its bound behind: re-read /snapshot
//   GET  /channel?fd=N  ChannelState as JSON (404 when fd is not in the map, 400 when not a number)
//   POST /pause, /step, /resume   Control as JSON; added: /step?count=N (1..1000) grants N iterations
import type { Action } from "../asyncore/trace.js";

export type { Action };

/** One row of the swimlane: a channel the inspected map has held. */
export interface ChannelRow {
  readonly fd: number;
  /** The class name, e.g. "EchoHandler". */
  readonly cls: string;
  readonly repr: string;
  /** The iteration in which it was first seen in the map. */
  readonly first: number;
  /** The iteration after which it left the map, or null while it is there. */
  readonly last: number | null;
  /** Added: true for the inspector's own channels (served by the loop it shows); absent otherwise. */
  readonly inspector?: boolean;
}

/** One channel's column cell in one iteration. Channels the loop did not ask have no cell. */
export interface Cell {
  readonly fd: number;
  /** What the loop asked: readable() true → "r", writable() true → "w", both "rw". */
  readonly asked: "r" | "w" | "rw" | "";
  /** The events it came back ready for (POLLIN, POLLOUT, POLLHUP, …); empty if none. */
  readonly ready: readonly string[];
  /** The handler the loop called (read, write, _exception, readwrite …), or null. */
  readonly handler: string | null;
  /** What that handler did. */
  readonly did: readonly Action[];
}

/** One loop iteration (one column). */
export interface IterationRecord {
  /** The map's iteration number, as format_iteration prints it. */
  readonly n: number;
  readonly mode: "select" | "poll";
  /** Seconds asked for (null: forever). */
  readonly timeout: number | null;
  readonly waited_ms: number;
  readonly woke: "ready" | "timeout" | "interrupt" | "idle";
  /** Milliseconds since the inspector started, when the iteration ended. */
  readonly at_ms: number;
  /** Channels in the map when the iteration ended. */
  readonly map_size: number;
  readonly cells: readonly Cell[];
}

/** A channel's state as Python would print its attributes. */
export interface ChannelState {
  readonly fd: number;
  readonly cls: string;
  readonly repr: string;
  readonly connected: boolean;
  readonly accepting: boolean;
  readonly connecting: boolean;
  /** Python's repr of addr, e.g. "('127.0.0.1', 54321)", or "None". */
  readonly addr: string;
  /** getsockopt(SOL_SOCKET, SO_ERROR): 0, or the errno with its name. */
  readonly so_error: { readonly errno: number; readonly name: string } | 0;
  /** async_chat channels only. */
  readonly chat?: {
    /** Python's repr of get_terminator(): b'\r\n', 42 or None. */
    readonly terminator: string;
    readonly ac_in_buffer: number;
    readonly producer_fifo: { readonly count: number; readonly bytes: number | null };
  };
  /** dispatcher_with_send channels only: bytes waiting in out_buffer. */
  readonly out_buffer?: number;
}

/** The loop's step mode. */
export interface Control {
  readonly paused: boolean;
  /** The last iteration that ran. */
  readonly n: number;
  /** Added: iterations granted by step that have not run yet. */
  readonly steps?: number;
}

/** Everything the page needs to draw itself; also embedded in an exported HTML file. */
export interface Snapshot {
  readonly title: string;
  readonly channels: readonly ChannelRow[];
  /** The most recent iterations, oldest first (a bounded window). */
  readonly iterations: readonly IterationRecord[];
  readonly control: Control;
  /** True for a live page; false for an exported file (no server behind it). */
  readonly live: boolean;
  /**
   * Added: iterations not recorded because only the inspector's own channels were ready in them
   * (they would otherwise feed the page's updates back into the loop); the numbers `n` skip them.
   */
  readonly inspector_iterations?: number;
}
