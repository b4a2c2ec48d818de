// Test helpers for the asyncore layer: the family × loop-kind matrix, bounded and background loops, output capture.
import { expect } from "chai";
import * as asyncore from "../../src/asyncore/index.js";
import type * as socket from "../../src/socket/index.js";
import { with_timeout } from "./clients.js";
import { FAMILIES, unix_path as net_unix_path } from "./net.js";

export interface FamilyCase {
  readonly name: string;
  readonly family: number;
  /** A fresh address to bind (port 0, or a new AF_UNIX path). */
  addr(): socket.Address;
  /** The host part of the addresses ("" for AF_UNIX). */
  readonly host: string;
}

/** A fresh AF_UNIX path (test/helpers/net.ts makes it in a temp directory removed at exit). */
export function unix_path(): string {
  return net_unix_path();
}

/** Kept for callers: net.ts removes its AF_UNIX paths (one temp directory) at process exit. */
export function cleanup_unix_paths(): void {}

/** The shared family matrix of test/helpers/net.ts, in the shape the asyncore suites use. */
export const FAMILY_CASES: readonly FamilyCase[] = FAMILIES.map((f) => ({
  name: f.name,
  family: f.family,
  host: f.host ?? "",
  addr: () => f.bind_address(),
}));

export interface LoopCase extends FamilyCase {
  readonly use_poll: boolean;
  readonly label: string;
}

/** The 6 combinations: each family with the select-based and the poll-based loop. */
export const LOOP_CASES: readonly LoopCase[] = FAMILY_CASES.flatMap((f) =>
  [false, true].map((use_poll) => ({ ...f, use_poll, label: `${f.name}, ${use_poll ? "poll" : "select"}` })),
);

/**
 * CPython's loop_waiting_for_flag: one-iteration loops (timeout 10 ms each) until `done()` is
 * true, the map empties, or `ms` pass; fails the test if the flag never came.
 */
export async function loop_until(
  done: () => boolean,
  opts: { use_poll: boolean; map?: asyncore.SocketMap; ms?: number; what?: string },
): Promise<void> {
  const map = opts.map ?? asyncore.socket_map;
  const deadline = performance.now() + (opts.ms ?? 5000);
  while (map.size > 0 && performance.now() < deadline) {
    await asyncore.loop({ timeout: 0.01, count: 1, use_poll: opts.use_poll, map });
    if (done()) return;
  }
  if (done()) return;
  throw new Error(`${opts.what ?? "flag"} not set (map size ${map.size})`);
}

/**
 * Runs `fn` once the loop over `ch`'s map is waiting: the first readable() call (the loop building
 * its sets) schedules it with setImmediate, which runs after the loop has entered its wait. `ch`
 * must be readable (in the read set) and nothing ready, so that the loop's next step is the wait.
 */
export function when_waiting(ch: asyncore.Channel, fn: () => void): void {
  const readable = ch.readable.bind(ch);
  let armed = true;
  ch.readable = (): boolean => {
    if (armed) {
      armed = false;
      setImmediate(fn);
    }
    return readable();
  };
}

/**
 * Resolves once `done()` holds, checked now and after each iteration of any loop over `map` (a
 * loop running elsewhere, e.g. drive()); rejects after `ms` with `what` in the message.
 */
export function once_looped(map: asyncore.SocketMap, done: () => boolean, ms: number, what: string): Promise<void> {
  let stop = (): void => undefined;
  const reached = new Promise<void>((resolve) => {
    if (done()) return resolve();
    stop = asyncore.add_observer((t) => {
      if (t.map === map && done()) resolve();
    });
  });
  return with_timeout(reached, ms, what).finally(() => stop());
}

/** Run `f` with console.log/process.stdout and process.stderr captured; returns the lines written. */
export function capture_output(f: () => void): { stdout: string[]; stderr: string[] } {
  let out = "";
  let err = "";
  const ow = process.stdout.write;
  const ew = process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    f();
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
  const lines = (s: string): string[] => (s === "" ? [] : s.replace(/\n$/, "").split("\n"));
  return { stdout: lines(out), stderr: lines(err) };
}

/** A promise that rejects after `ms` with `what` in the message, unless `p` settles first (clients.ts's with_timeout). */
export { with_timeout as within } from "./clients.js";

/**
 * Drives loop() over `map` in the background, one bounded iteration (timeout 50 ms) at a time,
 * until the map empties or the returned stop function is called; stop() resolves once it has returned.
 */
export function drive(map: asyncore.SocketMap, use_poll: boolean): () => Promise<void> {
  let stop = false;
  const running = (async () => {
    while (!stop && map.size) await asyncore.loop({ timeout: 0.05, count: 1, map, use_poll });
  })();
  return async () => {
    stop = true;
    await running;
  };
}

/** Values Python would call true and false, as a program might set a flag such as `connected` to. */
export const PY_TRUTHY: readonly unknown[] = [true, 1, -1, "yes", {}, [], 1n];
export const PY_FALSY: readonly unknown[] = [false, 0, -0, "", null, undefined, NaN, 0n];

/** With nothing queued, writable() is `not connected`: false for each truthy value, true for each falsy one. */
export function expect_writable_by_truthiness(ch: { writable(): boolean }): void {
  const as = ch as unknown as { connected: unknown };
  for (const v of PY_TRUTHY) {
    as.connected = v;
    expect(ch.writable(), String(v)).to.equal(false);
  }
  for (const v of PY_FALSY) {
    as.connected = v;
    expect(ch.writable(), String(v)).to.equal(true);
  }
}
