// The TLS engine of one SSLSocket: a node:tls TLSSocket over a Duplex this layer owns, fed and drained by the SSLSocket.
import { nextTick } from "node:process"; // not the global: globalThis.process is a getter, read on every use
import { Duplex } from "node:stream";
import { Server as TlsServer, TLSSocket, connect as tls_connect, type PeerCertificate, type SecureContext } from "node:tls";

/** What the engine tells the SSLSocket that drives it (ARCHITECTURE.md, "The ssl layer"). */
export interface EngineHost {
  /** Ciphertext was queued for the peer: send what the connection takes. */
  cipher_out(): void;
  /** The engine can take more ciphertext from the peer. */
  cipher_wanted(): void;
  /** Decrypted bytes arrived. */
  plain_in(chunk: Buffer): void;
  /** The handshake completed. */
  secured(): void;
  /** TLS's readable side ended: close_notify, or the transport's end fed to it. */
  ended(): void;
  /** TLS failed (a bad record, an alert, a transport that ended during the handshake). */
  failed(err: Error): void;
  /** A server's handshake ended for a client certificate OpenSSL did not verify (Node's authorizationError code). */
  unauthorized(code: string): void;
}

/** The engine's end of the ciphertext pipe: what TLS writes goes to the host's connection, what the host reads comes in. */
class CipherPipe extends Duplex {
  constructor(private readonly engine: TlsEngine) {
    super({ allowHalfOpen: true, decodeStrings: true });
  }
  override _read(): void {
    this.engine.wants_input = true;
    this.engine.host.cipher_wanted();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.engine.queue_out(chunk, cb);
  }
  /** A TLS write's records come corked: one call, one completion for all of them. */
  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (e?: Error | null) => void): void {
    const last = chunks.length - 1;
    for (let i = 0; i < last; i++) this.engine.queue_out(chunks[i]!.chunk, null, false);
    this.engine.queue_out(chunks[last]!.chunk, cb, true);
  }
  override _final(cb: (e?: Error | null) => void): void {
    // TLS's write side ended (close_notify sent): the connection under it stays open (unwrap).
    cb();
  }
}

const ENGINE = Symbol("engine");
type Tagged = TLSSocket & { [ENGINE]?: TlsEngine };
const of = (t: TLSSocket): TlsEngine => (t as Tagged)[ENGINE]!;
function on_data(this: TLSSocket, chunk: Buffer): void {
  of(this).host.plain_in(chunk);
}
function on_secure(this: TLSSocket): void {
  const e = of(this);
  if (!e.secure) {
    e.secure = true;
    e.host.secured();
  }
}
function on_end(this: TLSSocket): void {
  of(this).host.ended();
}
function on_finish(this: TLSSocket): void {
  of(this).host.cipher_out();
}
function on_error(this: TLSSocket, err: Error): void {
  // An engine destroyed keeps its listener (cheaper than swapping it for a no-op on every close): what TLS says after is no one's.
  const e = of(this);
  if (!e.destroyed) e.host.failed(err);
}

/**
 * The tls.Server a server engine's connection is injected into (ARCHITECTURE.md, "The ssl
 * layer"): an object whose prototype is the SSLContext's cached tls.Server, so that it has that
 * server's secure context and options, with its own `emit` so that what Node tells "the server"
 * about this one connection (the socket once secure, or the handshake's failure) reaches this
 * engine. A tls.Server cannot say which injected Duplex a TLSSocket came from.
 */
type Injector = TlsServer & { [ENGINE]: TlsEngine };
const server_emit = TlsServer.prototype.emit as (this: TlsServer, event: string | symbol, ...args: unknown[]) => boolean;
function route(this: Injector, event: string | symbol, ...args: unknown[]): boolean {
  switch (event) {
    case "connection":
      return server_emit.call(this, event, ...args);
    case "secureConnection":
      this[ENGINE].adopt(args[0] as TLSSocket);
      return true;
    case "tlsClientError":
      this[ENGINE].client_error(args[0] as Error, args[1] as TLSSocket);
      return true;
    default:
      return false;
  }
}
/** Node's authorizationError: a code (typed as an Error, which would carry one). */
function code_of(e: unknown): string | null {
  if (e === null || e === undefined) return null;
  return typeof e === "string" ? e : ((e as { code?: string }).code ?? String(e));
}

function noop(): void {}
/** The host name is the SSLSocket's to check (verify.ts), with CPython's errors. */
function no_identity_check(): undefined {
  return undefined;
}
const EMPTY = Buffer.alloc(0);

/** Where drain() sends ciphertext: the connection under TLS. */
export interface CipherSink {
  _raw_send(b: Buffer): number;
}

/** How the engine starts: as a server, or as a client naming the server. */
export type EngineRole =
  | { readonly kind: "server"; readonly server: TlsServer }
  | {
      readonly kind: "client";
      readonly servername: string | null;
      readonly secureContext: SecureContext;
      readonly ALPNProtocols: string[] | undefined;
    };

export class TlsEngine {
  readonly pipe: CipherPipe;
  /** Node's TLS socket: a server's only from its handshake's end (the tls.Server hands it over then). */
  private socket: TLSSocket | null = null;
  /** destroy() was called: TLS's later events are ignored. */
  destroyed = false;
  /** The handshake completed ('secure'). */
  secure = false;
  /** The pipe's reader asked for more since the last push that it refused. */
  wants_input = true;
  /** Ciphertext TLS wrote that the connection has not taken yet, with the write callbacks. */
  readonly out: Buffer[] = [];
  private readonly out_cbs: Array<((e?: Error | null) => void) | null> = [];
  out_bytes = 0;
  /** The transport's end was passed to TLS. */
  input_ended = false;

  constructor(
    readonly host: EngineHost,
    role: EngineRole,
  ) {
    this.pipe = new CipherPipe(this);
    this.pipe.on("error", noop);
    if (role.kind === "server") {
      // Node's documented way to hand a tls.Server a connection it did not accept: emit 'connection' with a Duplex.
      const injector = Object.create(role.server) as Injector;
      injector[ENGINE] = this;
      injector.emit = route;
      injector.emit("connection", this.pipe);
    } else {
      // Verification is the SSLSocket's, after the handshake, to raise CPython's errors.
      const t = tls_connect({
        socket: this.pipe,
        secureContext: role.secureContext,
        servername: role.servername ?? undefined,
        rejectUnauthorized: false,
        checkServerIdentity: no_identity_check,
        ALPNProtocols: role.ALPNProtocols,
      });
      this.listen(t);
      t.on("secure", on_secure);
    }
  }

  /** Node's TLS socket, once there is one (a client's from the start, a server's from the handshake's end). */
  get tls(): TLSSocket {
    return this.socket!;
  }

  private listen(t: TLSSocket): void {
    this.socket = t;
    (t as Tagged)[ENGINE] = this;
    t.on("data", on_data);
    t.on("end", on_end);
    t.on("error", on_error);
  }

  /**
   * Send close_notify (unwrap()). TLS's writable side finishes once it has left, which the SSLSocket
   * must hear of (unwrap() waits for it); only end() finishes it (the pipe under TLS is half-open,
   * so TLS never ends its side by itself), hence the listener from here on only.
   */
  end(): void {
    const t = this.tls;
    t.on("finish", on_finish);
    t.end();
  }

  /** @internal The tls.Server's 'secureConnection': the handshake is done, the socket is ours from now on. */
  adopt(t: TLSSocket): void {
    if (this.destroyed) {
      t.destroy();
      return;
    }
    this.listen(t);
    on_secure.call(t);
  }

  /**
   * @internal The tls.Server's 'tlsClientError': the handshake failed (OpenSSL's error), or Node
   * closed a socket whose client certificate OpenSSL did not verify (authorizationError) under
   * rejectUnauthorized. An ECONNRESET without that is the connection's end, which the SSLSocket sees itself.
   */
  client_error(err: Error, t: TLSSocket): void {
    if (this.destroyed) return;
    if ((err as { code?: string }).code !== "ECONNRESET") this.host.failed(err);
    else {
      const code = code_of(t.authorizationError);
      if (code !== null) this.host.unauthorized(code);
    }
  }

  /** Plaintext written to TLS and not yet encrypted and handed over. */
  writable_length(): number {
    return this.socket === null ? 0 : this.socket.writableLength;
  }

  /** `cb` once TLS has encrypted and handed over everything written so far (a close() that must not lose it). */
  after_writes(cb: () => void): void {
    if (this.writable_length() === 0) cb();
    else this.tls.write(EMPTY, cb);
  }

  /** @internal TLS wrote ciphertext. */
  queue_out(chunk: Buffer, cb: ((e?: Error | null) => void) | null, tell = true): void {
    if (chunk.length === 0 && this.out.length === 0) {
      if (cb) nextTick(cb);
      return;
    }
    this.out.push(chunk);
    this.out_cbs.push(cb);
    this.out_bytes += chunk.length;
    if (tell) this.host.cipher_out();
  }

  /**
   * Hand queued ciphertext to the connection (`sink._raw_send`: its non-blocking send, a count or
   * -1 when full); each TLS write completes once all its bytes were taken. True when the queue is empty.
   */
  drain(sink: CipherSink): boolean {
    while (this.out.length > 0) {
      const head = this.out[0]!;
      const n = head.length === 0 ? 0 : sink._raw_send(head);
      if (n < 0 || (n === 0 && head.length > 0)) return false;
      this.out_bytes -= n;
      if (n < head.length) {
        this.out[0] = head.subarray(n);
        return false;
      }
      this.out.shift();
      const cb = this.out_cbs.shift();
      if (cb) nextTick(cb);
    }
    return true;
  }

  /** Ciphertext from the peer; false when the pipe wants no more for now. */
  feed(data: Buffer): boolean {
    if (this.input_ended) return false;
    const more = this.pipe.push(data);
    if (!more) this.wants_input = false;
    return more;
  }

  /** The peer's transport ended. */
  end_input(): void {
    if (this.input_ended) return;
    this.input_ended = true;
    this.pipe.push(null);
    // A server's TLS in its handshake tells no one of the end (half-open, with no socket yet):
    // once it has read all that came before it, the handshake was cut short.
    if (this.socket === null) setImmediate(() => {
      if (!this.secure && !this.destroyed) this.host.ended();
    });
  }

  peer_certificate(): PeerCertificate | null {
    const c = this.tls.getPeerCertificate(true);
    return c && Object.keys(c).length > 0 ? c : null;
  }

  /** OpenSSL's verdict on the peer's certificate chain (Node's code), null when verified or none was sent. */
  authorization_error(): string | null {
    return this.peer_certificate() === null ? null : code_of(this.tls.authorizationError);
  }

  /** Stop TLS without a close_notify; ciphertext still queued is dropped with it. */
  destroy(): void {
    this.destroyed = true;
    const cbs = this.out_cbs.splice(0);
    this.out.length = 0;
    this.out_bytes = 0;
    const t = this.socket;
    if (t !== null) t.destroy();
    // A server's TLS socket before its handshake ends goes with the Duplex under it.
    this.pipe.destroy();
    for (const cb of cbs) cb?.(null);
  }
}
