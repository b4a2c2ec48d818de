// TLS test helpers: the committed test certificates, contexts made from them, and test_ftplib's SSLConnection mixin ported.
import { fileURLToPath } from "node:url";
import * as ssl from "../../src/ssl/index.js";
import type * as asyncore from "../../src/asyncore/index.js";
import type { socket } from "../../src/socket/index.js";

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
