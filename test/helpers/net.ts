// Shared helpers for network tests: the IPv4/IPv6/AF_UNIX matrix, event-driven readiness waits, plain Node peers, thrown errors.
import * as net from "node:net";
import { mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EventEmitter } from "node:events";
import { expect } from "chai";
import {
  AF_INET, AF_INET6, AF_UNIX, OSError, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, SOCK_STREAM,
  socket, type Address, type Pollable, type Watcher,
} from "../../src/socket/index.js";

/** Default bound for every wait in network tests (ms): generous, but a hang fails instead of stalling. */
export const WAIT_MS = 5000;

let unix_dir: string | null = null;
let unix_count = 0;

/** A unique, not yet existing AF_UNIX path in this process's temp directory (removed at exit). */
export function unix_path(): string {
  if (unix_dir === null) {
    unix_dir = mkdtempSync(join(tmpdir(), "asyncore-ts-"));
    process.once("exit", remove_unix_paths);
  }
  return join(unix_dir, `s${++unix_count}.sock`);
}

/** Removes the temp directory of AF_UNIX paths (also done at process exit). */
export function remove_unix_paths(): void {
  if (unix_dir !== null) rmSync(unix_dir, { recursive: true, force: true });
  unix_dir = null;
}

/** One address family of the stream-test matrix. */
export interface Family {
  readonly name: "IPv4" | "IPv6" | "AF_UNIX";
  readonly family: number;
  /** The loopback host, or null for AF_UNIX. */
  readonly host: string | null;
  /** A fresh address to bind: `[host, 0]`, or a unique unused path. */
  bind_address(): Address;
  /** Node connect options that reach a bound address (as getsockname() gave it). */
  connect_options(addr: Address): net.NetConnectOpts;
  /** An address nobody listens on, so that a connection is refused (a closed port, a stale socket file). */
  refused_address(): Address;
}

function inet_family(name: "IPv4" | "IPv6", family: number, host: string): Family {
  return {
    name,
    family,
    host,
    bind_address: () => [host, 0],
    connect_options: (addr) => {
      if (typeof addr === "string") throw new TypeError(`${name} address expected, got ${addr}`);
      return { host, port: addr[1] };
    },
    refused_address: () => {
      const s = new socket(family, SOCK_STREAM);
      s.bind([host, 0]);
      const a = s.getsockname();
      s.close();
      return a;
    },
  };
}

/** The matrix every stream test runs over. */
export const FAMILIES: readonly Family[] = [
  inet_family("IPv4", AF_INET, "127.0.0.1"),
  inet_family("IPv6", AF_INET6, "::1"),
  {
    name: "AF_UNIX",
    family: AF_UNIX,
    host: null,
    bind_address: () => unix_path(),
    connect_options: (addr) => {
      if (typeof addr !== "string") throw new TypeError(`AF_UNIX path expected, got ${String(addr)}`);
      return { path: addr };
    },
    refused_address: () => {
      // A socket file that nobody listens on, as a bound and closed socket leaves behind on Linux.
      // A Node server binds its path before listen() returns (node_assumptions.test.ts) and
      // removes it on close(): moved aside first, the file stays, and its socket is gone.
      const bound = unix_path();
      const stale = unix_path();
      const server = net.createServer();
      server.on("error", () => undefined);
      server.listen(bound);
      renameSync(bound, stale);
      server.close();
      return stale;
    },
  },
];

/**
 * What `f` throws, checked to be an instance of `cls` (OSError unless told), for the test's further
 * checks of errno, code and message; fails the test if `f` throws nothing.
 */
export function thrown<E extends Error = OSError>(f: () => unknown, cls: abstract new (...args: never[]) => E = OSError as never): E {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(cls);
    return e as E;
  }
  throw new Error(`expected ${cls.name} to be thrown, nothing was thrown`);
}

/** Readable names of poll flags, for failure messages: "POLLIN|POLLOUT". */
export function flag_names(flags: number): string {
  const names: string[] = [];
  for (const [n, v] of [["POLLIN", POLLIN], ["POLLOUT", POLLOUT], ["POLLERR", POLLERR], ["POLLHUP", POLLHUP], ["POLLNVAL", POLLNVAL]] as const) {
    if (flags & v) names.push(n);
  }
  return names.join("|") || "0";
}

/**
 * Resolves with the socket's poll flags once `(poll_flags() & mask) !== 0`, woken by the Pollable's
 * watch() notifications; rejects after `timeout_ms` with what was awaited and what the flags are.
 */
export function wait_for(sock: Pollable, mask: number, timeout_ms: number = WAIT_MS): Promise<number> {
  const now = sock.poll_flags();
  if ((now & mask) !== 0) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const watcher: Watcher = {
      changed(p) {
        const f = p.poll_flags();
        if ((f & mask) !== 0) {
          finish();
          resolve(f);
        }
      },
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(
        `wait_for: fd ${sock.fileno()} not ready for ${flag_names(mask)} within ${timeout_ms} ms ` +
          `(poll flags: ${flag_names(sock.poll_flags())})`,
      ));
    }, timeout_ms);
    const finish = (): void => {
      clearTimeout(timer);
      sock.unwatch(watcher);
    };
    sock.watch(watcher);
  });
}

/** Resolves with the first argument of the emitter's next `event`; rejects on 'error' or after `timeout_ms`. */
export function next_event<T = unknown>(em: EventEmitter, event: string, timeout_ms: number = WAIT_MS): Promise<T> {
  return new Promise((resolve, reject) => {
    const on_event = (v: T): void => {
      finish();
      resolve(v);
    };
    const on_error = (e: Error): void => {
      finish();
      reject(e);
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`next_event: no '${event}' within ${timeout_ms} ms`));
    }, timeout_ms);
    const finish = (): void => {
      clearTimeout(timer);
      em.off(event, on_event);
      if (event !== "error") em.off("error", on_error);
    };
    em.once(event, on_event);
    if (event !== "error") em.once("error", on_error);
  });
}

/** A plain Node client connected to `opts`; it has an error listener from birth and `allowHalfOpen`. */
export async function connect_client(opts: net.NetConnectOpts, timeout_ms: number = WAIT_MS): Promise<net.Socket> {
  const c = net.connect({ allowHalfOpen: true, ...opts } as net.NetConnectOpts);
  c.on("error", () => undefined);
  await next_event(c, "connect", timeout_ms);
  return c;
}

/** Everything a Node socket receives until its end of stream (rejects on error or after `timeout_ms`). */
export function collect(s: net.Socket, timeout_ms: number = WAIT_MS): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const on_data = (c: Buffer): void => void chunks.push(c);
  s.on("data", on_data);
  return next_event(s, "end", timeout_ms).then(
    () => Buffer.concat(chunks),
    (e: unknown) => {
      throw e instanceof Error ? e : new Error(String(e));
    },
  ).finally(() => s.off("data", on_data));
}

/** Resolves with the Node socket's total received byte count once it has at least `n` bytes (or rejects at end/timeout). */
export function receive_exactly(s: net.Socket, n: number, timeout_ms: number = WAIT_MS): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const on_data = (c: Buffer): void => {
      chunks.push(c);
      got += c.length;
      if (got >= n) {
        finish();
        resolve(Buffer.concat(chunks));
      }
    };
    const on_end = (): void => {
      finish();
      reject(new Error(`receive_exactly: end of stream after ${got} of ${n} bytes`));
    };
    const on_error = (e: Error): void => {
      finish();
      reject(e);
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`receive_exactly: ${got} of ${n} bytes within ${timeout_ms} ms`));
    }, timeout_ms);
    const finish = (): void => {
      clearTimeout(timer);
      s.off("data", on_data);
      s.off("end", on_end);
      s.off("error", on_error);
    };
    s.on("data", on_data);
    s.on("end", on_end);
    s.on("error", on_error);
    s.resume();
  });
}

/** A listening emulated socket on a fresh address of `fam` (port 0 / unique path). */
export function listening_socket(fam: Family, backlog = 5): socket {
  const s = new socket(fam.family, SOCK_STREAM);
  s.bind(fam.bind_address());
  s.listen(backlog);
  return s;
}

/** Waits until `listener` is readable, then accepts one connection. */
export async function accept_one(listener: socket, timeout_ms: number = WAIT_MS): Promise<[socket, Address]> {
  await wait_for(listener, POLLIN, timeout_ms);
  return listener.accept();
}

/** Reads from an emulated socket until end of stream; every byte, in order. */
export async function recv_all(s: socket, timeout_ms: number = WAIT_MS): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (;;) {
    await wait_for(s, POLLIN | POLLERR | POLLHUP, timeout_ms);
    const d = s.recv(1 << 20);
    if (d.length === 0) return Buffer.concat(parts);
    parts.push(Buffer.from(d));
  }
}

/** A deterministic, non-repeating-looking byte pattern of length n (for byte-exact comparisons). */
export function pattern(n: number, seed = 1): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  // Fill 4 bytes at a time with xorshift32; the tail is cut from one more word.
  const words = Math.floor(n / 4);
  for (let i = 0; i < words; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b.writeUInt32LE(x, i * 4);
  }
  for (let i = words * 4; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}
