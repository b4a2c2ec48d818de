// Python's ssl.SSLSocket: a socket whose bytes go through TLS, never blocking, with readiness that tells the truth.
import { isIP } from "node:net";
import {
  BlockingIOError, EBADF, ENOTCONN, OSError, ValueError, os_error,
} from "../errno/index.js";
import {
  DEFAULT_SNDBUF, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, SOL_SOCKET, SO_SNDBUF, as_buffer, socket,
  type Address, type BytesLike,
} from "../socket/index.js";
import { CERT_NONE, SSL_ERROR_EOF, SSL_ERROR_SSL } from "./constants.js";
import type { SSLContext } from "./context.js";
import { TlsEngine, type EngineHost } from "./engine.js";
import {
  AT, SSLCertVerificationError, SSLEOFError, SSLError, eof_error, ssl_error_from_node, want,
} from "./errors.js";
import { decode_certificate, type PeerCertDict } from "./peer_cert.js";
import { chain_failure, hostname_failure } from "./verify.js";

/**
 * Where TLS stands on this socket. "waiting": wrapped before the connection was made (TLS
 * starts when it is); "handshake"; "open" (`reported`: do_handshake() or a read saw it done);
 * "closing": unwrap() sent close_notify and awaits the peer's; "failed" (`reported`: raised once,
 * which after the handshake is all CPython raises it: see broken()); "plain": unwrapped or
 * shut down, bytes go straight through again.
 */
type TlsState =
  | { readonly kind: "waiting"; readonly engine: null; reported: boolean; readonly error: null; readonly after_handshake: false }
  | { readonly kind: "handshake"; readonly engine: TlsEngine; reported: boolean; readonly error: null; readonly after_handshake: false }
  | { readonly kind: "open"; readonly engine: TlsEngine; reported: boolean; readonly error: null; readonly after_handshake: false }
  | { readonly kind: "closing"; readonly engine: TlsEngine; reported: boolean; readonly error: null; readonly after_handshake: false }
  | { readonly kind: "failed"; readonly engine: null; reported: boolean; readonly error: OSError; readonly after_handshake: boolean }
  | { readonly kind: "plain"; readonly engine: null; reported: boolean; readonly error: null; readonly after_handshake: false };

/**
 * Every state made by this one literal, so that all have one hidden class: the socket's hot paths
 * (pull, poll_flags, recv, send) read `tls.kind` and `tls.engine` through monomorphic loads where
 * six shapes of state made them megamorphic.
 */
function tls_state(kind: "waiting" | "plain"): TlsState;
function tls_state(kind: "handshake" | "open" | "closing", engine: TlsEngine): TlsState;
function tls_state(kind: "failed", engine: null, error: OSError, after_handshake: boolean): TlsState;
function tls_state(kind: TlsState["kind"], engine: TlsEngine | null = null, error: OSError | null = null, after_handshake = false): TlsState {
  return { kind, engine, reported: false, error, after_handshake } as TlsState;
}

/** How the peer's side of TLS ended: close_notify, or the transport's end without it (a ragged EOF). */
type PeerEnd = "close_notify" | "ragged" | null;

/** wrap_socket()'s settled arguments. */
export interface WrapSettings {
  readonly server_side: boolean;
  readonly server_hostname: string | null;
  readonly do_handshake_on_connect: boolean;
  readonly suppress_ragged_eofs: boolean;
}

/** Linux's tcp_wmem maximum, as the socket layer's send_limit() uses it. */
const AUTOTUNED_SNDBUF_MAX = 4 * 1024 * 1024;
/** How much ciphertext one pull reads from the connection at a time. */
const PULL = 65536;
/** While unwrap() waits, ciphertext is held back at most this far ahead of TLS (see feed_records). */
const INBOX_LIMIT = 1 << 17;
const EMPTY = Buffer.alloc(0);

/** The engine's view of its SSLSocket: prototype methods, no closures per socket (ARCHITECTURE.md). */
class EngineLink implements EngineHost {
  constructor(private readonly s: SSLSocket) {}
  cipher_out(): void {
    this.s["notify"]();
  }
  cipher_wanted(): void {
    this.s["notify"]();
  }
  plain_in(chunk: Buffer): void {
    this.s["plain_in"](chunk);
  }
  secured(): void {
    this.s["secured"]();
  }
  ended(): void {
    this.s["ended"]();
  }
  failed(err: Error): void {
    this.s["failed"](err);
  }
  unauthorized(code: string): void {
    this.s["unauthorized"](code);
  }
}

export class SSLSocket extends socket {
  #context: SSLContext;
  readonly server_side: boolean;
  readonly server_hostname: string | null;
  do_handshake_on_connect: boolean;
  suppress_ragged_eofs: boolean;
  private tls: TlsState = tls_state("waiting");
  private readonly link = new EngineLink(this);
  /** Decrypted bytes not yet recv()'d. */
  private readonly plain: Buffer[] = [];
  private plain_bytes = 0;
  private peer_end: PeerEnd = null;
  /** An error of the connection under TLS (a reset), raised once the decrypted bytes before it are read. */
  private raw_error: OSError | null = null;
  /** The connection's end of stream was seen (passed to TLS a moment later: see raw_eof). */
  private raw_eof_seen = false;
  /**
   * Ciphertext read but held back from TLS while unwrap() waits for the peer's close_notify,
   * and after unwrap() the plain bytes that followed it.
   */
  private inbox: Buffer = EMPTY;
  private feeding = false;
  private starting = false;
  /** close() was called: the descriptor is gone for the caller, though TLS may still be flushing (close()). */
  private user_closed = false;
  /** Wrapped before connecting: TLS starts once the connection is made. */
  private armed = false;
  private pumping = false;
  private pump_again = false;

  /** Use SSLContext.wrap_socket(), as in Python. */
  private constructor(family: number, type: number, proto: number, context: SSLContext, w: WrapSettings) {
    super(family, type, proto);
    this.#context = context;
    this.server_side = w.server_side;
    this.server_hostname = w.server_hostname;
    this.do_handshake_on_connect = w.do_handshake_on_connect;
    this.suppress_ragged_eofs = w.suppress_ragged_eofs;
  }

  /** @internal SSLContext.wrap_socket(): `sock` is detached, its descriptor and connection now this socket's. */
  static _create(sock: socket, context: SSLContext, w: WrapSettings): SSLSocket {
    const s = new SSLSocket(sock.family, sock.type, sock.proto, context, w);
    sock._move_to(s);
    if (s.connected_now()) {
      if (w.do_handshake_on_connect && s.gettimeout() === 0) {
        s.close();
        throw new ValueError("do_handshake_on_connect should not be specified for non-blocking sockets");
      }
      s.start();
    } else {
      s.armed = true;
    }
    return s;
  }

  get context(): SSLContext {
    return this.#context;
  }

  /** Python lets a context be swapped before the handshake (for SNI); here before TLS starts. */
  set context(ctx: SSLContext) {
    this.#context = ctx;
  }

  /**
   * CPython's private `_sslobj`, which ported code tests (test_ftplib's `SSLConnection.close()`:
   * `self.socket._sslobj is not None`): non-null while TLS is on this socket (from the start of the
   * handshake, failed or not, until unwrap() or shutdown()), null before and after.
   */
  get _sslobj(): object | null {
    const k = this.tls.kind;
    return k === "waiting" || k === "plain" ? null : this.link;
  }

  /** Always None: TLS session resumption is not offered (PORTING.md, "ssl"). */
  get session(): null {
    return null;
  }

  get session_reused(): boolean | null {
    return this.tls.kind === "open" || this.tls.kind === "closing" ? this.tls.engine.tls.isSessionReused() : null;
  }

  // ---- the connection under TLS -------------------------------------------------------------

  private connected_now(): boolean {
    try {
      super.getpeername();
      return true;
    } catch {
      return false;
    }
  }

  /** TLS's engine from the start of the handshake until unwrap(), shutdown(), close() or a failure. */
  private engine(): TlsEngine | null {
    return this.tls.engine;
  }

  private start(): void {
    // Node writes a client's hello while the engine is being made, which comes back here (pump).
    if (this.starting) return;
    this.starting = true;
    const ctx = this.#context;
    const host = this.server_hostname;
    const engine = new TlsEngine(
      this.link,
      this.server_side
        ? { kind: "server", server: ctx._tls_server() }
        : {
            kind: "client",
            // No SNI for an IP address, as CPython (and RFC 6066) would send none.
            servername: host !== null && isIP(host.replace(/^\[|\]$/g, "")) === 0 ? host : null,
            secureContext: ctx._secure_context(),
            ALPNProtocols: ctx._alpn(),
          },
    );
    this.tls = tls_state("handshake", engine);
    this.starting = false;
    this.notify();
  }

  /** Readiness of the socket changed, or TLS has something to move: move it, then tell the watchers (ARCHITECTURE.md, "The ssl layer"). */
  protected override notify(): void {
    this.pump();
    super.notify();
  }

  /** Move ciphertext both ways between the connection and TLS, as far as each side takes it. */
  private pump(): void {
    if (this.pumping) {
      this.pump_again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pump_again = false;
        if (this.tls.kind === "waiting") {
          if (this.armed && super.fileno() >= 0 && this.connected_now()) this.start();
          continue;
        }
        const engine = this.engine();
        if (engine === null) continue;
        if (engine.out_bytes > 0) engine.drain(this);
        this.pull(engine);
      } while (this.pump_again);
    } finally {
      this.pumping = false;
    }
  }

  private pull(engine: TlsEngine): void {
    while (!this.raw_eof_seen && this.raw_error === null && !engine.input_ended && this.peer_end === null) {
      const closing = this.tls.kind === "closing" || this.inbox.length > 0;
      // Backpressure: ciphertext stays in the connection (which pauses Node's socket when full)
      // while SO_RCVBUF decrypted bytes wait; TLS itself is never paused.
      const room = closing ? INBOX_LIMIT - this.inbox.length : engine.wants_input ? Math.min(PULL, this.options.rcvbuf - this.plain_bytes) : 0;
      if (room <= 0) return;
      if ((super.poll_flags() & (POLLIN | POLLERR)) === 0) return;
      let data: Buffer;
      try {
        data = super.recv(closing ? PULL : room);
      } catch (e) {
        if (!(e instanceof BlockingIOError)) this.raw_failed(e);
        return;
      }
      if (data.length === 0) {
        this.raw_eof(engine);
        return;
      }
      if (closing) {
        this.inbox = this.inbox.length === 0 ? data : Buffer.concat([this.inbox, data]);
        this.feed_records(engine);
      } else {
        engine.feed(data);
      }
    }
  }

  /**
   * While unwrap() waits for the peer's close_notify (PORTING.md, "ssl": unwrap()), ciphertext goes to TLS one record at a
   * time, each after TLS has acted on the one before: the peer may send plain bytes right after
   * its close_notify (FTP's CCC), and those must stay for recv() after unwrap(), as OpenSSL
   * (reading record by record from the kernel) leaves them.
   */
  private feed_records(engine: TlsEngine): void {
    if (this.feeding || this.peer_end !== null) return;
    const b = this.inbox;
    if (b.length < 5 || b[0]! < 20 || b[0]! > 24 || b[1] !== 3) return;
    const end = 5 + b.readUInt16BE(3);
    if (b.length < end) return;
    this.inbox = b.length === end ? EMPTY : b.subarray(end);
    engine.feed(b.subarray(0, end));
    this.feeding = true;
    setImmediate(() => {
      this.feeding = false;
      if (this.engine() === engine) {
        this.feed_records(engine);
        this.notify();
      }
    });
  }

  /**
   * The connection's end of stream (PORTING.md, "ssl": close_notify or not). TLS hears of it only on a later turn: a close_notify that
   * came just before it has then been seen, so ended() can tell a clean end from a ragged one.
   */
  private raw_eof(engine: TlsEngine): void {
    this.raw_eof_seen = true;
    setImmediate(() => {
      if (this.engine() === engine && this.peer_end === null) engine.end_input();
    });
  }

  /** @internal The connection's own send, for the engine's ciphertext (CipherSink): a count, or -1 when full or failed. */
  _raw_send(b: Buffer): number {
    try {
      return super._send_nowait(b);
    } catch (e) {
      this.raw_failed(e);
      return -1;
    }
  }

  private raw_failed(e: unknown): void {
    const err = e instanceof OSError ? e : ssl_error_from_node(e, "read");
    if (this.raw_error === null) this.raw_error = err;
    if (this.tls.kind === "handshake") this.fail(err);
  }

  private fail(err: OSError): void {
    const engine = this.engine();
    if (this.user_closed) {
      this.close_now();
      return;
    }
    const was = this.tls.kind;
    this.tls = tls_state("failed", null, err, was === "open" || was === "closing");
    if (engine !== null) {
      // An alert TLS queued for the peer still leaves, as OpenSSL's would.
      if (engine.out_bytes > 0) engine.drain(this);
      engine.destroy();
    }
    super.notify();
  }

  // ---- what the engine reports --------------------------------------------------------------

  private plain_in(chunk: Buffer): void {
    this.plain.push(chunk);
    this.plain_bytes += chunk.length;
    if (this.plain_bytes === chunk.length) super.notify();
  }

  private secured(): void {
    const st = this.tls;
    if (st.kind !== "handshake") return;
    const failure = this.verify(st.engine);
    if (failure !== null) {
      this.fail(failure);
      return;
    }
    this.tls = tls_state("open", st.engine);
    this.notify();
  }

  /**
   * CPython's verification (PORTING.md, "ssl": verification after the handshake): of the server by a client (OpenSSL's verdict, then the host name),
   * of a client's certificate by a server asking for one (the chain against the context's CAs).
   */
  private verify(engine: TlsEngine): OSError | null {
    const ctx = this.#context;
    if (ctx.verify_mode === CERT_NONE) return null;
    if (this.server_side) {
      // OpenSSL's verdict on a client's certificate; none sent: OpenSSL itself failed a CERT_REQUIRED handshake, CERT_OPTIONAL lets it pass.
      const bad = chain_failure(engine.authorization_error());
      return bad === null ? null : new SSLCertVerificationError(bad.code, bad.message, "handshake");
    }
    const t = engine.tls;
    const chain = chain_failure(t.authorizationError);
    if (chain !== null) return new SSLCertVerificationError(chain.code, chain.message, "handshake");
    const host = this.server_hostname;
    if (ctx.check_hostname && host !== null) {
      const cert = engine.peer_certificate();
      const bad = cert === null ? { code: 62, message: `Hostname mismatch, certificate is not valid for '${host}'.` } : hostname_failure(host, cert);
      if (bad !== null) return new SSLCertVerificationError(bad.code, bad.message, "handshake");
    }
    return null;
  }

  private ended(): void {
    const st = this.tls;
    if (st.kind === "handshake") {
      this.fail(eof_error("handshake"));
      return;
    }
    if (this.engine() === null) return;
    this.peer_end = st.kind === "open" || st.kind === "closing" ? (st.engine.input_ended ? "ragged" : "close_notify") : null;
    this.notify();
  }

  /** A server's handshake ended by Node for a client certificate OpenSSL did not verify (rejectUnauthorized: CERT_REQUIRED). */
  private unauthorized(code: string): void {
    if (this.tls.kind !== "handshake") return;
    const bad = chain_failure(code)!;
    this.fail(new SSLCertVerificationError(bad.code, bad.message, "handshake"));
  }

  private failed(err: Error): void {
    const st = this.tls;
    if (this.engine() === null) return;
    const e = ssl_error_from_node(err, st.kind === "handshake" ? "handshake" : "read");
    if (st.kind === "handshake") this.fail(e);
    else {
      this.raw_error ??= e;
      this.fail(e);
    }
  }

  /**
   * What a call meets on a failed socket: the error, once. After the handshake, CPython's OpenSSL
   * then acts as if the connection had ended without close_notify: recv() b'' (SSLEOFError without
   * suppress_ragged_eofs), send() and do_handshake() SSLEOFError, unwrap() SHUTDOWN_WHILE_IN_INIT.
   * Null: recv() returns b''.
   */
  private broken(st: Extract<TlsState, { kind: "failed" }>, site: "read" | "write" | "handshake" | "shutdown"): OSError | null {
    if (!st.reported || !st.after_handshake) {
      st.reported = true;
      return st.error;
    }
    if (site === "shutdown") {
      return new SSLError(SSL_ERROR_SSL, `[SSL: SHUTDOWN_WHILE_IN_INIT] shutdown while in init (_ssl.c:${AT.shutdown})`, "SSL", "SHUTDOWN_WHILE_IN_INIT");
    }
    if (site === "read" && this.suppress_ragged_eofs) return null;
    // No OpenSSL error is queued then, so CPython's message has no "[SSL: …]" part.
    return new SSLEOFError(SSL_ERROR_EOF, `EOF occurred in violation of protocol (_ssl.c:${AT[site]})`, null, null);
  }

  // ---- readiness ------------------------------------------------------------------------------

  /**
   * The truth for select/poll: readable when decrypted bytes wait (even if the connection has
   * nothing new), when TLS ended or failed, or when the handshake finished unseen; writable when
   * TLS would take more (its queue below SO_SNDBUF) and the connection is open.
   */
  override poll_flags(): number {
    if (this.user_closed) return POLLNVAL;
    const raw = super.poll_flags();
    if ((raw & POLLNVAL) !== 0) return raw;
    const st = this.tls;
    switch (st.kind) {
      case "plain":
        return this.inbox.length > 0 ? raw | POLLIN : raw;
      case "waiting":
        return raw;
      case "failed":
        return raw | POLLIN | POLLOUT;
      default:
        break;
    }
    const engine = st.engine;
    let f = raw & (POLLERR | POLLHUP);
    if ((raw & POLLOUT) !== 0 && engine.out_bytes + engine.writable_length() < this.send_limit(engine)) f |= POLLOUT;
    if (
      this.plain_bytes > 0 ||
      this.peer_end !== null ||
      this.raw_error !== null ||
      (st.kind === "open" && !st.reported)
    ) {
      f |= POLLIN;
    }
    return f;
  }

  // ---- Python's SSLSocket -------------------------------------------------------------------

  private ensure_open(): void {
    if (this.user_closed || super.fileno() < 0) throw os_error(EBADF);
  }

  /** Non-blocking: returns once the handshake is done, raises SSLWantReadError/SSLWantWriteError until then. */
  do_handshake(block = false): void {
    void block;
    this.ensure_open();
    const st = this.tls;
    switch (st.kind) {
      case "open":
        st.reported = true;
        return;
      case "closing":
        return;
      case "failed":
        throw this.broken(st, "handshake")!;
      case "handshake":
        throw want(st.engine.out_bytes > 0 ? "write" : "read", "handshake");
      case "waiting":
        if (!this.connected_now()) {
          // Still connecting: the hello cannot leave yet, as a send() on a connecting socket (EAGAIN).
          if (this.armed && super.poll_flags() === 0) throw want("write", "handshake");
          throw os_error(ENOTCONN);
        }
        this.start();
        return this.do_handshake();
      case "plain":
        throw new ValueError(`No SSL wrapper around ${this.toString()}`);
    }
  }

  override recv(bufsize: number, flags = 0): Buffer {
    const st = this.tls;
    if (st.kind === "plain") {
      if (this.inbox.length > 0 && bufsize > 0) return this.take_inbox(bufsize, flags);
      return super.recv(bufsize, flags);
    }
    this.ensure_open();
    if (flags !== 0) throw new ValueError("non-zero flags not allowed in calls to recv() on <class 'ssl.SSLSocket'>");
    if (bufsize === 0 && st.kind !== "waiting") return EMPTY;
    switch (st.kind) {
      case "waiting":
        return super.recv(bufsize, flags);
      case "failed": {
        const e = this.broken(st, "read");
        if (e === null) return EMPTY;
        throw e;
      }
      case "handshake":
        throw want(st.engine.out_bytes > 0 ? "write" : "read", "read");
      default:
        break;
    }
    if (st.kind === "open") st.reported = true;
    if (bufsize < 0) throw new ValueError("size should not be negative");
    if (bufsize === 0) return EMPTY;
    if (this.plain_bytes > 0) return this.take_plain(bufsize);
    if (this.peer_end === "close_notify") return EMPTY;
    if (this.raw_error !== null) throw this.raw_error;
    if (this.peer_end === "ragged") {
      if (this.suppress_ragged_eofs) return EMPTY;
      throw eof_error("read");
    }
    throw want("read", "read");
  }

  private take_plain(n: number): Buffer {
    let out: Buffer;
    const head = this.plain[0]!;
    if (head.length <= n && (this.plain.length === 1 || head.length === n)) {
      out = head;
      this.plain.shift();
    } else if (head.length > n) {
      out = head.subarray(0, n);
      this.plain[0] = head.subarray(n);
    } else {
      const parts: Buffer[] = [];
      let got = 0;
      while (got < n && this.plain.length > 0) {
        const h = this.plain[0]!;
        const take = Math.min(h.length, n - got);
        parts.push(take === h.length ? h : h.subarray(0, take));
        if (take === h.length) this.plain.shift();
        else this.plain[0] = h.subarray(take);
        got += take;
      }
      out = Buffer.concat(parts, got);
    }
    const was = this.plain_bytes;
    this.plain_bytes -= out.length;
    // Room again for decrypted bytes: read the ciphertext that waited (see pull()).
    const rcvbuf = this.options.rcvbuf;
    if (was >= rcvbuf && this.plain_bytes < rcvbuf) this.pump();
    return out;
  }

  private take_inbox(n: number, flags: number): Buffer {
    const b = this.inbox;
    const out = b.subarray(0, n);
    if ((flags & 2) /* MSG_PEEK */ === 0) this.inbox = out.length === b.length ? EMPTY : b.subarray(out.length);
    return out;
  }

  /** Python's SSLSocket.read(len=1024): recv() by another name. */
  read(len = 1024): Buffer {
    return this.recv(len);
  }

  /** Python's SSLSocket.write(data): send() by another name. */
  write(data: BytesLike): number {
    return this.send(data);
  }

  override send(data: BytesLike, flags = 0): number {
    const st = this.tls;
    if (st.kind === "plain" || st.kind === "waiting") return super.send(data, flags);
    this.ensure_open();
    if (flags !== 0) throw new ValueError("non-zero flags not allowed in calls to send() on <class 'ssl.SSLSocket'>");
    switch (st.kind) {
      case "failed":
        throw this.broken(st, "write")!;
      case "handshake":
        throw want(st.engine.out_bytes > 0 ? "write" : "read", "write");
      case "closing":
        throw new SSLError(SSL_ERROR_SSL, `[SSL: PROTOCOL_IS_SHUTDOWN] protocol is shutdown (_ssl.c:${AT.write})`, "SSL", "PROTOCOL_IS_SHUTDOWN");
      default:
        break;
    }
    if (this.raw_error !== null) throw this.raw_error;
    const buf = as_buffer(data);
    if (buf.length === 0) return 0;
    const engine = st.engine;
    const room = this.send_limit(engine) - engine.out_bytes - engine.writable_length();
    if (room <= 0) throw want("write", "write");
    const chunk = buf.length > room ? buf.subarray(0, room) : buf;
    engine.tls.write(chunk);
    return chunk.length;
  }

  /**
   * How much plaintext send() may have queued in TLS (PORTING.md, "ssl": send() takes what fits). As the socket layer does for a send buffer
   * nobody sized (connection.ts, send_limit), up to Linux's autotuned 4 MiB while the connection
   * under TLS keeps up (no ciphertext waiting for it), else SO_SNDBUF.
   */
  private send_limit(engine: TlsEngine): number {
    const sndbuf = this.options.sndbuf;
    return sndbuf === DEFAULT_SNDBUF && engine.out_bytes === 0 ? AUTOTUNED_SNDBUF_MAX : sndbuf;
  }

  /** @internal sends go through TLS here too (the library's senders call send() on an SSLSocket). */
  override _send_nowait(data: BytesLike, flags = 0): number {
    const st = this.tls;
    if (st.kind === "plain" || st.kind === "waiting") return super._send_nowait(data, flags);
    return this.send(data, flags);
  }

  override recvfrom(bufsize: number, flags = 0): [Buffer, Address | null] {
    if (this.engine() !== null) throw new ValueError("recvfrom not allowed on instances of SSLSocket");
    return super.recvfrom(bufsize, flags);
  }

  /** Decrypted bytes waiting to be recv()'d (CPython: those of the current TLS record). */
  pending(): number {
    return this.engine() !== null ? this.plain_bytes : 0;
  }

  /**
   * Non-blocking unwrap(): sends close_notify, raises SSLWantReadError until the peer's has come,
   * then returns this socket, plain from now on (CPython returns the same object too).
   */
  unwrap(): SSLSocket {
    this.ensure_open();
    const st = this.tls;
    switch (st.kind) {
      case "plain":
      case "waiting":
        throw new ValueError(`No SSL wrapper around ${this.toString()}`);
      case "failed":
        throw this.broken(st, "shutdown")!;
      case "handshake":
        throw new SSLError(SSL_ERROR_SSL, `[SSL: SHUTDOWN_WHILE_IN_INIT] shutdown while in init (_ssl.c:${AT.shutdown})`, "SSL", "SHUTDOWN_WHILE_IN_INIT");
      case "open":
        this.tls = tls_state("closing", st.engine);
        st.engine.end();
        this.notify();
        return this.unwrap();
      case "closing":
        break;
    }
    const engine = st.engine;
    if (this.raw_error !== null) throw this.raw_error;
    if (this.peer_end === "ragged") throw eof_error("shutdown");
    // Our close_notify leaves TLS on a later turn; only ciphertext the connection refused is a want-write.
    if (engine.out_bytes > 0) throw want("write", "shutdown");
    if (this.peer_end === null || !engine.tls.writableFinished) throw want("read", "shutdown");
    // Done: what TLS did not consume (plain bytes after the peer's close_notify) is recv()'s now.
    this.plain.length = 0;
    this.plain_bytes = 0;
    this.peer_end = null;
    engine.destroy();
    this.tls = tls_state("plain");
    super.notify();
    return this;
  }

  getpeercert(binary_form: true): Buffer | null;
  getpeercert(binary_form?: false): PeerCertDict | Record<string, never> | null;
  getpeercert(binary_form = false): Buffer | PeerCertDict | Record<string, never> | null {
    this.ensure_open();
    const st = this.tls;
    if (st.kind !== "open" && st.kind !== "closing") throw new ValueError("handshake not done yet");
    const cert = st.engine.peer_certificate();
    if (cert === null) return null;
    if (binary_form) return cert.raw;
    // CPython: a certificate that was not verified is shown as an empty dict.
    if (this.#context.verify_mode === CERT_NONE) return {};
    return decode_certificate(cert.raw);
  }

  /** (name, protocol, secret bits), or None before the handshake. */
  cipher(): [string, string, number] | null {
    const st = this.tls;
    if (st.kind !== "open" && st.kind !== "closing") return null;
    const c = st.engine.tls.getCipher();
    return [c.name, c.version, cipher_bits(c.name)];
  }

  /** Always None: Node offers no list of the ciphers both sides share. */
  shared_ciphers(): null {
    return null;
  }

  compression(): null {
    return null;
  }

  version(): string | null {
    const st = this.tls;
    if (st.kind !== "open" && st.kind !== "closing") return null;
    return st.engine.tls.getProtocol();
  }

  selected_alpn_protocol(): string | null {
    const st = this.tls;
    if (st.kind !== "open" && st.kind !== "closing") return null;
    const p = st.engine.tls.alpnProtocol;
    return typeof p === "string" ? p : null;
  }

  override connect_ex(address: Address): number {
    if (this.server_side) throw new ValueError("can't connect in server-side mode");
    if (this.tls.kind !== "waiting") throw new ValueError("attempt to connect already-connected SSLSocket!");
    return super.connect_ex(address);
  }

  override accept(): [socket, Address] {
    const [conn, addr] = super.accept();
    const wrapped = this.#context.wrap_socket(conn, {
      server_side: true,
      do_handshake_on_connect: this.do_handshake_on_connect,
      suppress_ragged_eofs: this.suppress_ragged_eofs,
    });
    return [wrapped, addr];
  }

  /** CPython drops TLS without close_notify, then shuts the connection down. */
  override shutdown(how: number): void {
    this.ensure_open();
    this.drop_tls();
    super.shutdown(how);
  }

  /**
   * Releases the descriptor at once. What send() took is still delivered: TLS may not have
   * encrypted the last of it yet (its writes complete on later turns), so the connection under
   * it is closed once it has, with room to take all of it (CPython's SSL_write had put it in the kernel).
   */
  override close(): void {
    if (this.user_closed) return;
    const engine = this.engine();
    if (engine !== null && engine.writable_length() > 0 && super.fileno() >= 0) {
      this.user_closed = true;
      super.setsockopt(SOL_SOCKET, SO_SNDBUF, Math.max(this.options.sndbuf, 1 << 30));
      engine.after_writes(() => this.close_now());
      super.notify();
      return;
    }
    this.close_now();
  }

  private close_now(): void {
    this.user_closed = true;
    if (super.fileno() >= 0) this.drop_tls();
    super.close();
  }

  override fileno(): number {
    return this.user_closed ? -1 : super.fileno();
  }

  override get closed(): boolean {
    return this.user_closed || super.closed;
  }

  /** Stop TLS where it stands: ciphertext it already made still leaves, as the kernel would send what SSL_write gave it. */
  private drop_tls(): void {
    const engine = this.engine();
    if (engine !== null) {
      if (engine.out_bytes > 0) {
        super.setsockopt(SOL_SOCKET, SO_SNDBUF, Math.max(this.options.sndbuf, 1 << 30));
        engine.drain(this);
      }
      engine.destroy();
    }
    if (this.tls.kind !== "failed") this.tls = tls_state("plain");
    this.plain.length = 0;
    this.plain_bytes = 0;
  }

  override toString(): string {
    const own = super.toString().replace(/^<socket\.socket/, "<ssl.SSLSocket");
    // Closed for the caller while TLS still flushes (close()): shown closed, as it is to them.
    return this.user_closed ? own.replace(/^<ssl\.SSLSocket (\[closed\] )?fd=\d+, (family=[^,]+, type=[^,]+, proto=\d+).*$/, "<ssl.SSLSocket [closed] fd=-1, $2>") : own;
  }
}

/** Secret bits of an OpenSSL cipher, from its name. */
function cipher_bits(name: string): number {
  if (/AES_?256|CHACHA20|CAMELLIA256|ARIA256/.test(name)) return 256;
  if (/AES_?128|CAMELLIA128|ARIA128|SEED/.test(name)) return 128;
  if (/3DES|DES-CBC3/.test(name)) return 168;
  return 0;
}
