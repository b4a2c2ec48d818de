// The TLS engine of one SSLSocket: a node:tls TLSSocket over a Duplex this layer owns, fed and drained by the SSLSocket.
import { Duplex } from "node:stream";
import { TLSSocket, connect as tls_connect, type PeerCertificate } from "node:tls";

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
  of(this).host.failed(err);
}
function noop(): void {}
const EMPTY = Buffer.alloc(0);

/** Where drain() sends ciphertext: the connection under TLS. */
export interface CipherSink {
  _raw_send(b: Buffer): number;
}

/** How the engine starts: as a server, or as a client naming the server. */
export type EngineRole =
  | { readonly kind: "server"; readonly request_cert: boolean; readonly require_cert: boolean }
  | { readonly kind: "client"; readonly servername: string | null };

export interface EngineOptions {
  readonly role: EngineRole;
  readonly secureContext: import("node:tls").SecureContext;
  readonly ALPNProtocols: string[] | undefined;
}

export class TlsEngine {
  readonly pipe: CipherPipe;
  readonly tls: TLSSocket;
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
    opts: EngineOptions,
  ) {
    this.pipe = new CipherPipe(this);
    this.pipe.on("error", noop);
    const role = opts.role;
    if (role.kind === "server") {
      this.tls = new TLSSocket(this.pipe, {
        isServer: true,
        secureContext: opts.secureContext,
        requestCert: role.request_cert,
        rejectUnauthorized: role.require_cert,
        ALPNProtocols: opts.ALPNProtocols,
      });
    } else {
      // Verification is the SSLSocket's, after the handshake, to raise CPython's errors.
      this.tls = tls_connect({
        socket: this.pipe,
        secureContext: opts.secureContext,
        servername: role.servername ?? undefined,
        rejectUnauthorized: false,
        checkServerIdentity: () => undefined,
        ALPNProtocols: opts.ALPNProtocols,
      });
    }
    const t = this.tls as Tagged;
    t[ENGINE] = this;
    t.on("secure", on_secure);
    t.on("data", on_data);
    t.on("end", on_end);
    t.on("error", on_error);
    t.on("finish", on_finish);
  }

  /** `cb` once TLS has encrypted and handed over everything written so far (a close() that must not lose it). */
  after_writes(cb: () => void): void {
    if (this.tls.writableLength === 0) cb();
    else this.tls.write(EMPTY, cb);
  }

  /** @internal TLS wrote ciphertext. */
  queue_out(chunk: Buffer, cb: ((e?: Error | null) => void) | null, tell = true): void {
    if (chunk.length === 0 && this.out.length === 0) {
      if (cb) process.nextTick(cb);
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
      if (cb) process.nextTick(cb);
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
  }

  peer_certificate(): PeerCertificate | null {
    const c = this.tls.getPeerCertificate(true);
    return c && Object.keys(c).length > 0 ? c : null;
  }

  /** Stop TLS without a close_notify; ciphertext still queued is dropped with it. */
  destroy(): void {
    const cbs = this.out_cbs.splice(0);
    this.out.length = 0;
    this.out_bytes = 0;
    this.tls.removeListener("error", on_error);
    this.tls.on("error", noop);
    this.tls.destroy();
    this.pipe.destroy();
    for (const cb of cbs) cb?.(null);
  }
}
