// test_ftplib's SSLConnection, ported line by line, as a TLS data channel: CPython's client sends, unwraps, and our channel answers its close_notify.
import { spawn } from "node:child_process";
import { expect } from "chai";
import * as asyncore from "../../src/asyncore/index.js";
import * as ssl from "../../src/ssl/index.js";
import { ECONNABORTED, OSError } from "../../src/errno/index.js";
import type { socket } from "../../src/socket/index.js";
import { drive, within } from "../helpers/asyncore.js";
import { python3_or_skip } from "../helpers/python.js";
import { CERTS, cert_path } from "../helpers/tls.js";
import { LoopbackListener } from "../helpers/loopback_listener.js";

/** CPython's test_ftplib SSLConnection (3.11), in TypeScript. */
class SSLConnection extends asyncore.dispatcher {
  _ssl_accepting = false;
  _ssl_closing = false;
  _ccc = false;

  secure_connection(): void {
    const context = new ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER);
    context.load_cert_chain(cert_path("server.keycert.pem"));
    const socket = context.wrap_socket(this.socket!, { suppress_ragged_eofs: false, server_side: true, do_handshake_on_connect: false });
    this.del_channel();
    this.set_socket(socket);
    this._ssl_accepting = true;
  }

  _do_ssl_handshake(): void {
    try {
      (this.socket as ssl.SSLSocket).do_handshake();
    } catch (err) {
      if (err instanceof ssl.SSLError) {
        if (err.args[0] === ssl.SSL_ERROR_WANT_READ || err.args[0] === ssl.SSL_ERROR_WANT_WRITE) return;
        if (err.args[0] === ssl.SSL_ERROR_EOF) return this.handle_close();
        if (String(err.args[1]).includes("SSLV3_ALERT_BAD_CERTIFICATE")) return this.handle_close();
        throw err;
      }
      if (err instanceof OSError && err.args[0] === ECONNABORTED) return this.handle_close();
      return;
    }
    this._ssl_accepting = false;
  }

  _do_ssl_shutdown(): void {
    this._ssl_closing = true;
    try {
      this.socket = (this.socket as ssl.SSLSocket).unwrap();
    } catch (err) {
      if (err instanceof ssl.SSLError) {
        if (err.args[0] === ssl.SSL_ERROR_WANT_READ || err.args[0] === ssl.SSL_ERROR_WANT_WRITE) return;
      } else if (!(err instanceof OSError)) throw err;
    }
    this._ssl_closing = false;
    if (!this._ccc) super.close();
  }

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

  override send(data: Buffer): number {
    try {
      return super.send(data);
    } catch (err) {
      if (err instanceof ssl.SSLError && [ssl.SSL_ERROR_EOF, ssl.SSL_ERROR_ZERO_RETURN, ssl.SSL_ERROR_WANT_READ, ssl.SSL_ERROR_WANT_WRITE].includes(err.args[0] as number)) return 0;
      throw err;
    }
  }

  override recv(buffer_size: number): Buffer {
    try {
      return super.recv(buffer_size);
    } catch (err) {
      if (err instanceof ssl.SSLError) {
        if (err.args[0] === ssl.SSL_ERROR_WANT_READ || err.args[0] === ssl.SSL_ERROR_WANT_WRITE) return Buffer.alloc(0);
        if (err.args[0] === ssl.SSL_ERROR_EOF || err.args[0] === ssl.SSL_ERROR_ZERO_RETURN) {
          this.handle_close();
          return Buffer.alloc(0);
        }
      }
      throw err;
    }
  }

  override close(): void {
    if (this.socket instanceof ssl.SSLSocket && this.socket._sslobj !== null) this._do_ssl_shutdown();
    else super.close();
  }
}

/** A DTP-like receiver: collects what comes, closes at the end. */
class Receiver extends SSLConnection {
  got = 0;
  closed_cleanly = false;
  constructor(sock: socket, map: asyncore.SocketMap) {
    super(sock, map);
    this.secure_connection();
  }
  override writable(): boolean {
    return false;
  }
  override handle_read(): void {
    this.got += this.recv(65536).length;
  }
  override handle_close(): void {
    this.closed_cleanly = true;
    this.close();
  }
}

class Listener extends LoopbackListener {
  receivers: Receiver[] = [];
  override handle_accepted(sock: socket): void {
    this.receivers.push(new Receiver(sock, this._map));
  }
}

const PY = String.raw`
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2] + "ca.pem")
raw = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s = ctx.wrap_socket(raw, server_hostname="localhost")
s.sendall(b"d" * 1048576)
plain = s.unwrap()   # as ftplib does on a TLS data connection when the transfer is over
plain.close()
print("unwrapped")
`;

describe("ssl and test_ftplib's SSLConnection mixin, ported: a TLS data channel that CPython's client unwraps", function () {
  this.timeout(30000);
  for (const use_poll of [false, true]) {
    it(`${use_poll ? "poll" : "select"}: every byte arrives, CPython's unwrap() returns, our channel closes`, async function () {
      const py = python3_or_skip(this);
      const map: asyncore.SocketMap = new Map();
      const l = new Listener(map);
      const stop = drive(map, use_poll);
      try {
        const child = spawn(py, ["-c", PY, String((l.socket!.getsockname() as [string, number])[1]), CERTS], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
        await within(new Promise((r) => child.on("close", r)), 20000, "the CPython client");
        expect(err).to.equal("");
        expect(out).to.equal("unwrapped\n");
        const r = l.receivers[0]!;
        await within((async () => { while (map.has(r._fileno ?? -1) || r.socket!.fileno() !== -1) await new Promise((x) => setTimeout(x, 10)); })(), 5000, "the channel to close");
        expect(r.got).to.equal(1048576);
        expect(r.closed_cleanly).to.equal(true);
      } finally {
        asyncore.close_all(map);
        await stop();
      }
    });
  }
});
