// TLS test helpers: the committed test certificates, contexts made from them, and test_ftplib's SSLConnection mixin ported.
import { fileURLToPath } from "node:url";
import * as ssl from "../../src/ssl/index.js";
import type * as asyncore from "../../src/asyncore/index.js";
import type { socket } from "../../src/socket/index.js";
import { SOCK_STREAM, POLLOUT, socket as Socket } from "../../src/socket/index.js";
import { select } from "../../src/select/index.js";
import { accept_one, listening_socket, wait_for, type Family, WAIT_MS } from "./net.js";

/** test/fixtures/certs (made by scripts/make-certs.sh), from the compiled test's place in dist/. */
export const CERTS = fileURLToPath(new URL("../../../test/fixtures/certs/", import.meta.url));

export function cert_path(name: string): string {
  return CERTS + name;
}

/** A server context with server.pem (localhost, 127.0.0.1, ::1), or another pair of the fixtures. */
export function server_context(name = "server"): ssl.SSLContext {
  const ctx = new ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER);
  ctx.load_cert_chain(cert_path(`${name}.pem`), cert_path(`${name}.key`));
  return ctx;
}

/** A client context trusting the test CA. */
export function client_context(): ssl.SSLContext {
  const ctx = new ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT);
  ctx.load_verify_locations(cert_path("ca.pem"));
  return ctx;
}

type DispatcherClass = abstract new (...args: any[]) => asyncore.dispatcher;

/**
 * CPython's test_ftplib SSLConnection mixin, ported: a channel that wraps its socket, drives the
 * handshake (and unwrap()) from its read and write events, and treats want-read/want-write as
 * "not yet". `ssl_error` keeps the error that ended a handshake, for the tests to look at.
 */
/** What tls_channel() adds to a dispatcher class. */
export interface TlsChannelApi {
  _ssl_accepting: boolean;
  _ssl_closing: boolean;
  ssl_error: unknown;
  handshakes: number;
  secure_connection(ctx: ssl.SSLContext, server_side: boolean, server_hostname?: string | null): void;
  _do_ssl_handshake(): void;
  handshake_done(): void;
  _do_ssl_shutdown(): void;
  unwrapped(): void;
}

export function tls_channel<B extends DispatcherClass>(Base: B): B & (abstract new (...args: any[]) => TlsChannelApi) {
  abstract class TlsChannel extends Base {
    _ssl_accepting = false;
    _ssl_closing = false;
    ssl_error: unknown = null;
    handshakes = 0;

    secure_connection(ctx: ssl.SSLContext, server_side: boolean, server_hostname: string | null = null): void {
      const sock = ctx.wrap_socket(this.socket as socket, { server_side, do_handshake_on_connect: false, server_hostname });
      this.del_channel();
      this.set_socket(sock);
      this._ssl_accepting = true;
    }

    _do_ssl_handshake(): void {
      try {
        (this.socket as ssl.SSLSocket).do_handshake();
      } catch (err) {
        if (err instanceof ssl.SSLWantReadError || err instanceof ssl.SSLWantWriteError) return;
        this.ssl_error = err;
        if (err instanceof ssl.SSLEOFError || err instanceof ssl.SSLError) {
          this.handle_close();
          return;
        }
        throw err;
      }
      this._ssl_accepting = false;
      this.handshakes++;
      this.handshake_done();
    }

    /** Called once the handshake completed. */
    handshake_done(): void {}

    _do_ssl_shutdown(): void {
      this._ssl_closing = true;
      try {
        this.socket = (this.socket as ssl.SSLSocket).unwrap();
      } catch (err) {
        if (err instanceof ssl.SSLWantReadError || err instanceof ssl.SSLWantWriteError) return;
        throw err;
      }
      this._ssl_closing = false;
      this.unwrapped();
    }

    /** Called once unwrap() completed. */
    unwrapped(): void {}

    override handle_read_event(): void {
      if (this._ssl_accepting) this._do_ssl_handshake();
      else if (this._ssl_closing) this._do_ssl_shutdown();
      else super.handle_read_event();
    }

    override handle_write_event(): void {
      if (this._ssl_accepting) this._do_ssl_handshake();
      else if (this._ssl_closing) this._do_ssl_shutdown();
      else super.handle_write_event();
    }
  }
  return TlsChannel as unknown as B & (abstract new (...args: any[]) => TlsChannelApi);
}

/** A connected pair of plain sockets of `fam`: [accepted (server side), client]. */
export async function socket_pair(fam: Family): Promise<[Socket, Socket]> {
  const l = listening_socket(fam);
  try {
    const c = new Socket(fam.family, SOCK_STREAM);
    c.connect_ex(l.getsockname());
    const [s] = await accept_one(l);
    await wait_for(c, POLLOUT);
    return [s, c];
  } finally {
    l.close();
  }
}

/** How one side's handshake ended: done, an error, or still pending when the time ran out. */
export type Outcome = { readonly kind: "done" } | { readonly kind: "error"; readonly error: unknown } | { readonly kind: "pending" };

/**
 * Drives do_handshake() on every side (each waiting in select() for its socket, as a loop would)
 * until each has completed or failed (or those of `until` have), or `ms` passed; one outcome per side.
 */
export async function drive_handshakes(sides: readonly ssl.SSLSocket[], ms: number = WAIT_MS, until: readonly number[] | null = null): Promise<Outcome[]> {
  const out: Outcome[] = sides.map(() => ({ kind: "pending" }));
  const deadline = performance.now() + ms;
  for (;;) {
    for (let i = 0; i < sides.length; i++) {
      if (out[i]!.kind !== "pending") continue;
      try {
        sides[i]!.do_handshake();
        out[i] = { kind: "done" };
      } catch (e) {
        if (!(e instanceof ssl.SSLWantReadError || e instanceof ssl.SSLWantWriteError)) out[i] = { kind: "error", error: e };
      }
    }
    const waiting = sides.filter((_, i) => out[i]!.kind === "pending");
    const left = deadline - performance.now();
    if (waiting.length === 0 || left <= 0) return out;
    if (until !== null && until.every((i) => out[i]!.kind !== "pending")) return out;
    await select(waiting, [], [], Math.min(left, 50) / 1000);
  }
}

/** Both sides' handshakes, which must succeed. */
export async function handshake(...sides: ssl.SSLSocket[]): Promise<void> {
  const r = await drive_handshakes(sides);
  r.forEach((o, i) => {
    if (o.kind === "error") throw o.error;
    if (o.kind === "pending") throw new Error(`handshake ${i} did not finish in ${WAIT_MS} ms`);
  });
}

/** A connected TLS pair over `fam`, handshake done: [server side, client side]. */
export async function tls_pair(
  fam: Family,
  opts: { server?: ssl.SSLContext; client?: ssl.SSLContext; suppress_ragged_eofs?: boolean } = {},
): Promise<[ssl.SSLSocket, ssl.SSLSocket]> {
  const [a, b] = await socket_pair(fam);
  const sctx = opts.server ?? server_context();
  const cctx = opts.client ?? client_context();
  const host = fam.host;
  if (host === null) cctx.check_hostname = false;
  const s = sctx.wrap_socket(a, { server_side: true, do_handshake_on_connect: false, suppress_ragged_eofs: opts.suppress_ragged_eofs ?? true });
  const c = cctx.wrap_socket(b, { server_hostname: host, do_handshake_on_connect: false, suppress_ragged_eofs: opts.suppress_ragged_eofs ?? true });
  await handshake(s, c);
  return [s, c];
}

/**
 * Reads from `s` until `n` bytes came or end of stream, waiting in select() between reads;
 * `pace` (ms) slows the reader down after every read, `pause_ms` after every `pause_every` bytes.
 */
export async function read_exactly(
  s: Socket,
  n: number,
  opts: { pace?: number; chunk?: number; ms?: number; pause_every?: number; pause_ms?: number } = {},
): Promise<Buffer> {
  let since_pause = 0;
  const parts: Buffer[] = [];
  let got = 0;
  const deadline = performance.now() + (opts.ms ?? 30000);
  while (got < n) {
    if (performance.now() > deadline) throw new Error(`read ${got} of ${n} bytes in time`);
    let d: Buffer;
    try {
      d = s.recv(opts.chunk ?? 65536);
    } catch (e) {
      if (e instanceof ssl.SSLWantReadError || (e as { errno?: number }).errno === 11) {
        await select([s], [], [], 0.05);
        continue;
      }
      throw e;
    }
    if (d.length === 0) break;
    parts.push(d);
    got += d.length;
    since_pause += d.length;
    if (opts.pace) await new Promise((r) => setTimeout(r, opts.pace));
    if (opts.pause_every !== undefined && since_pause >= opts.pause_every) {
      since_pause = 0;
      await new Promise((r) => setTimeout(r, opts.pause_ms ?? 1));
    }
  }
  return Buffer.concat(parts, got);
}

/** Sends all of `data` on `s`, waiting in select() whenever it is full. */
export async function write_all(s: Socket, data: Buffer, ms = 30000): Promise<void> {
  let at = 0;
  const deadline = performance.now() + ms;
  while (at < data.length) {
    if (performance.now() > deadline) throw new Error(`sent ${at} of ${data.length} bytes in time`);
    try {
      at += s.send(data.subarray(at, at + (1 << 20)));
    } catch (e) {
      if (e instanceof ssl.SSLWantWriteError || e instanceof ssl.SSLWantReadError || (e as { errno?: number }).errno === 11) {
        await select([], [s], [], 0.05);
        continue;
      }
      throw e;
    }
  }
}

/** unwrap() until it returns, waiting in select() while it wants to read or write. */
export async function unwrap(s: ssl.SSLSocket, ms = 5000): Promise<ssl.SSLSocket> {
  const deadline = performance.now() + ms;
  for (;;) {
    try {
      return s.unwrap();
    } catch (e) {
      if (!(e instanceof ssl.SSLWantReadError || e instanceof ssl.SSLWantWriteError) || performance.now() > deadline) throw e;
      await select([s], e instanceof ssl.SSLWantWriteError ? [s] : [], [], 0.05);
    }
  }
}
