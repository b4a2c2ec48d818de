// A line client that can switch to TLS mid-conversation (STARTTLS, AUTH TLS), and a one-shot TLS exchange; every wait bounded.
import * as net from "node:net";
import * as tls from "node:tls";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { with_timeout } from "./clients.js";

export const CERTS_DIR = fileURLToPath(new URL("../../../test/fixtures/certs/", import.meta.url));
/** The test CA's certificate (test/fixtures/certs/ca.pem). */
export const CA = readFileSync(`${CERTS_DIR}ca.pem`);
export const SERVER_CERT = `${CERTS_DIR}server.pem`;
export const SERVER_KEY = `${CERTS_DIR}server.key`;

/**
 * Lines ("\n"-separated, a trailing "\r" removed) over a plain socket, then (after starttls())
 * over TLS on the same connection. Bytes the server sent after the line that announced TLS, in
 * the clear, are kept in `extra_plain` (there must be none).
 */
export class TlsLineClient {
  sock: net.Socket | tls.TLSSocket;
  readonly plain: net.Socket;
  lines: string[] = [];
  partial = "";
  ended = false;
  error: Error | null = null;
  extra_plain = "";
  private wake: (() => void) | null = null;

  private constructor(sock: net.Socket) {
    this.plain = sock;
    this.sock = sock;
    this.listen(sock);
  }

  static async connect(host: string, port: number): Promise<TlsLineClient> {
    const s = net.connect({ host, port, allowHalfOpen: true });
    const c = new TlsLineClient(s);
    await with_timeout(
      new Promise<void>((resolve, reject) => {
        s.once("connect", resolve);
        s.once("error", reject);
      }),
      5000,
      `connect to ${host}:${port}`,
    );
    return c;
  }

  private readonly on_data = (d: Buffer): void => {
    const parts = (this.partial + d.toString("utf8")).split("\n");
    this.partial = parts.pop()!;
    for (const p of parts) this.lines.push(p.endsWith("\r") ? p.slice(0, -1) : p);
    this.wake?.();
  };

  private readonly on_end = (): void => {
    this.ended = true;
    this.wake?.();
  };

  private readonly on_error = (e: Error): void => {
    this.error = e;
    this.ended = true;
    this.wake?.();
  };

  private listen(s: net.Socket): void {
    s.on("data", this.on_data);
    s.on("end", this.on_end);
    s.on("close", this.on_end);
    s.on("error", this.on_error);
  }

  /** The next line; rejects when the connection ends first or after `ms`. */
  async read_line(ms = 5000): Promise<string> {
    const deadline = Date.now() + ms;
    while (!this.lines.length) {
      if (this.ended) throw new Error(`connection ended while waiting for a line (${this.error?.message ?? "EOF"})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for a line; partial ${JSON.stringify(this.partial)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
    return this.lines.shift()!;
  }

  /** An SMTP-style reply: lines until one whose 4th character is a space. */
  async read_reply(ms = 5000): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const line = await this.read_line(ms);
      out.push(line);
      if (line.length < 4 || line[3] !== "-") return out;
    }
  }

  send_line(line: string): void {
    this.sock.write(`${line}\r\n`);
  }

  async cmd(line: string): Promise<string[]> {
    this.send_line(line);
    return this.read_reply();
  }

  /** Resolve once the connection has ended (EOF, close or error). */
  async wait_end(ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error("timed out waiting for the end of the connection");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** Start TLS on this connection, verifying the server against the test CA; resolves once secure. */
  async starttls(servername = "localhost"): Promise<tls.TLSSocket> {
    this.plain.off("data", this.on_data);
    this.plain.off("end", this.on_end);
    this.plain.off("close", this.on_end);
    this.extra_plain = this.partial + this.lines.join("\n");
    this.partial = "";
    this.lines = [];
    const t = tls.connect({ socket: this.plain, ca: CA, servername });
    this.sock = t;
    this.listen(t);
    await with_timeout(
      new Promise<void>((resolve, reject) => {
        t.once("secureConnect", resolve);
        t.once("error", reject);
      }),
      5000,
      "the TLS handshake",
    );
    return t;
  }

  close(): void {
    this.sock.destroy();
    this.plain.destroy();
  }
}

/** Connect with TLS (verifying against the test CA), send `data`, read until the server closes; the raw bytes. */
export function tls_exchange(port: number, data: Buffer | string, host = "127.0.0.1", ms = 10000): Promise<Buffer> {
  return with_timeout(
    new Promise<Buffer>((resolve, reject) => {
      const parts: Buffer[] = [];
      const s = tls.connect({ host, port, ca: CA, servername: host === "127.0.0.1" || host === "::1" ? undefined : host });
      s.on("secureConnect", () => s.write(data));
      s.on("data", (d: Buffer) => parts.push(d));
      s.on("end", () => {
        s.end();
        resolve(Buffer.concat(parts));
      });
      s.on("error", reject);
    }),
    ms,
    "a TLS exchange",
  );
}

/**
 * `n` bytes of fixed pseudo-random garbage that a TLS server rejects at once. Random bytes would
 * sometimes (about 1 in 1,500) start like an SSLv2 ClientHello or a TLS record longer than
 * what was sent, and OpenSSL would wait for the rest instead of failing the handshake. A first
 * byte without the high bit (no SSLv2 header) and a record version of 0 are neither.
 */
export function not_tls(n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = 0x2545f491;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  b[0] = 0;
  b[1] = 0;
  b[2] = 0;
  return b;
}
