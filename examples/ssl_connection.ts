// test_ftplib's SSLConnection mixin as an async_chat base: a channel's socket switched to TLS and back, handshake and close_notify driven by the loop.
//
// As in CPython's test_ftplib, the socket is wrapped with do_handshake_on_connect=False and the
// handshake runs from handle_read_event/handle_write_event, each step catching SSLWantReadError/
// SSLWantWriteError; close() sends close_notify with a non-blocking unwrap(), and with `_ccc`
// set (FTP's CCC) the channel goes on over the plain socket unwrap() returns.
//
// Beyond the mixin, because a server meets clients that are not ftplib:
// - a switch asked for after a reply (FTP's 234/220, SMTP's 220) waits until that reply has gone
//   out in the clear, and reads nothing meanwhile, so the peer's first TLS bytes stay in the
//   socket for the TLS layer; plain input already read behind the command is dropped (a command
//   pipelined after STARTTLS must not run inside TLS: RFC 3207 section 4.2, CVE-2011-0411);
// - readable()/writable() follow what the handshake or shutdown waits for, so the loop neither
//   spins on a writable socket nor waits on a read the TLS layer does not need;
// - a handshake or record that fails (a plain client on a TLS port, garbage, an untrusted peer)
//   is logged (handle_tls_error, by default log_info) and closes the channel: handle_error is for
//   bugs, not for peers.
import * as asynchat from "asyncore-ts/asynchat";
import * as asyncore from "asyncore-ts/asyncore";
import * as ssl from "asyncore-ts/ssl";
import type * as socket from "asyncore-ts/socket";
import type { BytesLike } from "asyncore-ts/socket";
import { OSError } from "asyncore-ts/errno";

/** A server context for a certificate (chain) and key in PEM files. */
export function server_context(certfile: string, keyfile: string | null = null): ssl.SSLContext {
  const context = new ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER);
  context.load_cert_chain(certfile, keyfile);
  return context;
}

type Switch = { readonly kind: "wrap"; readonly context: ssl.SSLContext } | { readonly kind: "unwrap" };

export class SSLConnection extends asynchat.async_chat {
  _ssl_accepting = false;
  _ssl_closing = false;
  /** Unwrapping keeps the connection (FTP's CCC) instead of closing it. */
  _ccc = false;
  /** A switch waiting for the output queued before it to go out. */
  _ssl_switch: Switch | null = null;
  /** What the pending handshake or shutdown step waits for. */
  _ssl_want: "read" | "write" = "read";

  constructor(sock?: socket.socket | null, map?: asyncore.SocketMap | null) {
    super(sock, map);
  }

  /**
   * True while the socket speaks TLS, from the wrap to the end of unwrap(). (unwrap() returns the
   * same SSLSocket object, plain from then on, as CPython's does; the mixin asks `_sslobj`.)
   */
  tls_active = false;

  /** Wrap the socket now, server side (the mixin's secure_connection). */
  secure_connection(context: ssl.SSLContext): void {
    const sock = context.wrap_socket(this.socket as socket.socket, {
      server_side: true,
      do_handshake_on_connect: false,
      suppress_ragged_eofs: false,
    });
    this.del_channel();
    this.set_socket(sock);
    this.tls_active = true;
    this._ssl_accepting = true;
    this._ssl_want = "read";
  }

  /** Wrap once everything queued so far (the reply that announces TLS) has been sent in the clear. */
  secure_connection_after_reply(context: ssl.SSLContext): void {
    this._ssl_switch = { kind: "wrap", context };
    asyncore.wake(this._map);
  }

  /** Unwrap (close_notify both ways), keeping the connection, once the queued reply has gone out in TLS. */
  unwrap_after_reply(): void {
    this._ssl_switch = { kind: "unwrap" };
    asyncore.wake(this._map);
  }

  /**
   * True while a switch waits: input read now came in the clear behind the command that asked for
   * it, and a subclass drops it (found_terminator/collect_incoming_data return at once).
   */
  get ssl_switching(): boolean {
    return this._ssl_switch !== null;
  }

  /** From the loop (never inside found_terminator): once the queue is empty, switch. */
  private switch_when_sent(): void {
    const sw = this._ssl_switch;
    if (sw === null || this.producer_fifo.length > 0 || this.socket === null) return;
    this._ssl_switch = null;
    // Plain input read behind the command is dropped (see the top of this file).
    this.ac_in_buffer = Buffer.alloc(0);
    this.incoming = [];
    if (sw.kind === "wrap") {
      this.secure_connection(sw.context);
    } else {
      this._ccc = true;
      this._do_ssl_shutdown();
    }
  }

  /** A TLS failure caused by the peer (the channel is closed next): logged, by default with log_info. */
  handle_tls_error(message: string): void {
    this.log_info(`TLS ${message}`, "warning");
  }

  /** Called once the handshake is complete. */
  handle_tls_ready(): void {}

  /** Called once unwrap() has returned the plain socket with `_ccc` set. */
  handle_tls_closed(): void {}

  _do_ssl_handshake(): void {
    try {
      (this.socket as ssl.SSLSocket).do_handshake();
    } catch (err) {
      if (err instanceof ssl.SSLWantReadError) {
        this._ssl_want = "read";
        return;
      }
      if (err instanceof ssl.SSLWantWriteError) {
        this._ssl_want = "write";
        return;
      }
      if (err instanceof OSError) {
        // A plain client, garbage, an alert, a reset or EOF mid-handshake: the peer's doing.
        this.handle_tls_error(`handshake failed: ${err.message}`);
        this._ssl_accepting = false;
        this.handle_close();
        return;
      }
      throw err;
    }
    this._ssl_accepting = false;
    this.handle_tls_ready();
  }

  _do_ssl_shutdown(): void {
    this._ssl_closing = true;
    let plain: socket.socket | null = null;
    try {
      plain = (this.socket as ssl.SSLSocket).unwrap();
    } catch (err) {
      if (err instanceof ssl.SSLWantReadError || err instanceof ssl.SSLWantWriteError) {
        this._ssl_want = err instanceof ssl.SSLWantReadError ? "read" : "write";
        this.unless_still_mapped();
        return;
      }
      // Any other error: the connection is gone or broken (the mixin's SSL_ERROR_SYSCALL case).
      if (!(err instanceof OSError)) throw err;
      if (this._ccc) this.handle_tls_error(`shutdown failed: ${err.message}`);
      this._ccc = false;
    }
    this._ssl_closing = false;
    this.tls_active = false;
    if (!this._ccc || plain === null) {
      this._ccc = false;
      // As the mixin: the socket unwrap() gave back is the one closed.
      if (plain !== null) this.socket = plain;
      super.close();
      return;
    }
    this._ccc = false;
    this.del_channel();
    this.set_socket(plain);
    this.handle_tls_closed();
  }

  /**
   * A shutdown waiting for the peer's close_notify needs the loop. asyncore.close_all() calls
   * close() and then empties the map: a channel no longer in its map once the caller's code has
   * run is closed at once, so that no socket is left open with nothing to drive it.
   */
  private unless_still_mapped(): void {
    queueMicrotask(() => {
      if (this._ssl_closing && (this._fileno === null || this._map.get(this._fileno) !== this)) this.close_now();
    });
  }

  override readable(): boolean {
    // While a switch waits, the peer's first TLS bytes stay in the socket for the TLS layer.
    if (this._ssl_switch !== null) return false;
    if (this._ssl_accepting || this._ssl_closing) return this._ssl_want === "read";
    return super.readable();
  }

  override writable(): boolean {
    if (this._ssl_switch !== null) return true;
    if (this._ssl_accepting || this._ssl_closing) return this._ssl_want === "write";
    return super.writable();
  }

  override handle_read_event(): void {
    if (this._ssl_accepting) this._do_ssl_handshake();
    else if (this._ssl_closing) this._do_ssl_shutdown();
    else super.handle_read_event();
  }

  override handle_write_event(): void {
    if (this._ssl_switch !== null) {
      if (this.producer_fifo.length > 0) super.handle_write_event();
      this.switch_when_sent();
    } else if (this._ssl_accepting) this._do_ssl_handshake();
    else if (this._ssl_closing) this._do_ssl_shutdown();
    else super.handle_write_event();
  }

  override initiate_send(): void {
    // Output waits for the handshake (or is dropped with the connection while shutting down).
    if (this._ssl_accepting || this._ssl_closing) return;
    super.initiate_send();
  }

  override send(data: BytesLike): number {
    try {
      return super.send(data);
    } catch (err) {
      if (err instanceof ssl.SSLWantReadError || err instanceof ssl.SSLWantWriteError) return 0;
      if (err instanceof ssl.SSLError) {
        this.handle_tls_error(`send failed: ${err.message}`);
        this.handle_close();
        return 0;
      }
      throw err;
    }
  }

  override recv(buffer_size: number): Buffer {
    try {
      return super.recv(buffer_size);
    } catch (err) {
      if (err instanceof ssl.SSLWantReadError || err instanceof ssl.SSLWantWriteError) return Buffer.alloc(0);
      if (err instanceof ssl.SSLZeroReturnError || err instanceof ssl.SSLEOFError) {
        this.handle_close();
        return Buffer.alloc(0);
      }
      if (err instanceof ssl.SSLError) {
        this.handle_tls_error(`receive failed: ${err.message}`);
        this.handle_close();
        return Buffer.alloc(0);
      }
      throw err;
    }
  }

  /**
   * With TLS up: close_notify first, the connection closed once unwrap() is done (the mixin's
   * close). Called again meanwhile, or mid-handshake, or without TLS: closed at once.
   */
  override close(): void {
    this._ssl_switch = null;
    if (this.tls_active && !this._ssl_closing && !this._ssl_accepting && this.socket !== null) {
      this._ccc = false;
      this._do_ssl_shutdown();
      return;
    }
    this.close_now();
  }

  /** Close without close_notify (an abort, a broken peer). */
  close_now(): void {
    this.tls_active = false;
    this._ssl_switch = null;
    this._ssl_accepting = false;
    this._ssl_closing = false;
    super.close();
  }
}
