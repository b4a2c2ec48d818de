// The asynchat documentation's http_request_handler made whole: a small HTTP/1.1 server.
//
// A listener dispatcher accepts connections and wraps each one in an http_request_handler
// (an async_chat). The handler reads the headers up to b"\r\n\r\n", and for a POST reads the
// body with a numeric terminator taken from Content-Length, then answers with one HTTP/1.1
// response (Content-Length, Connection: close) and closes once it is sent.
//
//   GET  /any/path     → 200, JSON {"method","path","length":0,"sha256":...}
//   POST /any/path     → 200, the same JSON describing the body received
//   HEAD               → the GET headers, no body
//   malformed request  → 400; body over max_body → 413; POST without length → 411;
//   header section over max_header → 431; other methods or Transfer-Encoding → 501.
//
// With a TLS context (`--tls-cert FILE --tls-key FILE`) it serves HTTPS: each accepted socket is
// wrapped server side and the handshake runs from the loop (examples/ssl_connection.ts); a client
// that does not speak TLS (plain HTTP to the HTTPS port) is logged and disconnected.
//
// Run: node dist/examples/http_server.js [port] [--workers N] [--poll] [--tls-cert FILE --tls-key FILE]
//      (127.0.0.1, port 8080 by default)
import { createHash } from "node:crypto";
import * as asynchat from "asyncore-ts/asynchat";
import * as asyncore from "asyncore-ts/asyncore";
import * as socket from "asyncore-ts/socket";
import type * as ssl from "asyncore-ts/ssl";
import { b } from "asyncore-ts";
import { SSLConnection, server_context } from "./ssl_connection.js";
import { take_server_flags } from "./server_flags.js";
import { check_workers_port, take_workers_flag } from "./workers_flag.js";

/** Limits and hooks of a server; every field is optional. */
export interface ServerOptions {
  /** Largest request body accepted, in bytes (default 16 MiB); larger Content-Length → 413. */
  readonly max_body?: number;
  /** Largest header section, in bytes (default 64 KiB); more without "\r\n\r\n" → 431. */
  readonly max_header?: number;
  /** The socket map to join (default asyncore.socket_map). */
  readonly map?: asyncore.SocketMap | null;
  /** One line per request ("127.0.0.1:5555 GET /x 200") and per failed TLS connection; default: silent. */
  readonly log?: ((line: string) => void) | null;
  /** Serve HTTPS with this server context (ssl_connection.server_context(cert, key)). */
  readonly tls_context?: ssl.SSLContext | null;
}

const DEFAULT_MAX_BODY = 16 * 1024 * 1024;
const DEFAULT_MAX_HEADER = 64 * 1024;

const REASONS: Readonly<Record<number, string>> = {
  200: "OK",
  400: "Bad Request",
  411: "Length Required",
  413: "Content Too Large",
  431: "Request Header Fields Too Large",
  501: "Not Implemented",
};

// "GET /path HTTP/1.1": a token, one space, a target without spaces or controls, one space, a version.
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([\x21-\x7e]+) HTTP\/(\d)\.(\d)$/;
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;

/** A request's parsed header section. */
export interface RequestHead {
  readonly method: string;
  readonly path: string;
  readonly version: string;
  /** Lower-cased names; repeated headers joined with ", " (Content-Length kept apart). */
  readonly headers: ReadonlyMap<string, string>;
  readonly content_lengths: readonly string[];
}

/** An HTTP error to answer with. */
export class http_error extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "http_error";
  }
}

/** Parse the bytes before "\r\n\r\n"; throws http_error(400) for anything malformed. */
export function parse_headers(raw: Buffer): RequestHead {
  const lines = raw.toString("latin1").split("\r\n");
  const m = REQUEST_LINE.exec(lines[0] ?? "");
  if (!m) throw new http_error(400, "malformed request line");
  const [, method, path, major] = m as unknown as [string, string, string, string, string];
  if (major !== "1") throw new http_error(400, "unsupported HTTP version");
  const headers = new Map<string, string>();
  const content_lengths: string[] = [];
  for (const line of lines.slice(1)) {
    const h = HEADER_LINE.exec(line);
    if (!h || /[\x00-\x08\x0a-\x1f\x7f]/.test(h[2]!)) throw new http_error(400, "malformed header line");
    const name = h[1]!.toLowerCase();
    const value = h[2]!;
    if (name === "content-length") content_lengths.push(value);
    const prev = headers.get(name);
    headers.set(name, prev === undefined ? value : `${prev}, ${value}`);
  }
  return { method, path, version: `${m[3]}.${m[4]}`, headers, content_lengths };
}

/** The body length a request announces: null when none, http_error when invalid. */
function content_length(head: RequestHead): number | null {
  const values = head.content_lengths.flatMap((v) => v.split(",").map((s) => s.trim()));
  if (values.length === 0) return null;
  if (!values.every((v) => /^\d{1,15}$/.test(v) && v === values[0])) {
    throw new http_error(400, "invalid Content-Length");
  }
  return Number(values[0]);
}

/**
 * One client connection: the documentation's http_request_handler, completed. Reads one
 * request, answers it, and closes (Connection: close).
 */
export class http_request_handler extends SSLConnection {
  readonly client_addr: socket.Address;
  readonly options: ServerOptions;
  ibuffer: Buffer[] = [];
  reading_headers = true;
  handling = false;
  head: RequestHead | null = null;
  /** The request body (the documentation's cgi_data). */
  cgi_data: Buffer | null = null;
  status = 0;

  constructor(sock: socket.socket, addr: socket.Address, options: ServerOptions = {}) {
    super(sock, options.map ?? null);
    this.client_addr = addr;
    this.options = options;
    this.set_terminator(b`\r\n\r\n`);
    if (options.tls_context) this.secure_connection(options.tls_context);
  }

  /** A client that failed TLS (plain HTTP on the HTTPS port, an aborted handshake): a log line, no crash. */
  override handle_tls_error(message: string): void {
    const who = socket.format_address(this.client_addr) || String(this.client_addr);
    this.options.log?.(`${who} TLS error: ${message}`);
  }

  /** The header section is capped; a body is capped by Content-Length before it is read. */
  override get ac_collect_limit(): number | null {
    return this.reading_headers ? (this.options.max_header ?? DEFAULT_MAX_HEADER) : null;
  }

  override collect_incoming_data(data: Buffer): void {
    // Once the request is complete, whatever else the client sends is ignored.
    if (!this.handling) this.ibuffer.push(data);
  }

  override found_terminator(): void {
    try {
      if (this.reading_headers) {
        this.reading_headers = false;
        const head = parse_headers(Buffer.concat(this.ibuffer));
        this.ibuffer = [];
        this.head = head;
        if (head.headers.has("transfer-encoding")) throw new http_error(501, "Transfer-Encoding not supported");
        if (head.method === "POST") {
          const clen = content_length(head);
          if (clen === null) throw new http_error(411, "POST without Content-Length");
          if (clen > (this.options.max_body ?? DEFAULT_MAX_BODY)) throw new http_error(413, "body too large");
          if (clen === 0) {
            // A numeric terminator of 0 would mean "collect forever": the body is already complete.
            this.finish(Buffer.alloc(0));
          } else {
            this.set_terminator(clen);
          }
        } else if (head.method === "GET" || head.method === "HEAD") {
          const clen = content_length(head);
          if (clen) throw new http_error(400, "GET/HEAD with a body");
          this.finish(null);
        } else {
          throw new http_error(501, `method ${head.method} not implemented`);
        }
      } else if (!this.handling) {
        this.finish(Buffer.concat(this.ibuffer));
      }
    } catch (err) {
      if (!(err instanceof http_error)) throw err;
      this.fail(err);
    }
  }

  /** Header section too long: answer 431 instead of the default CollectLimitError. */
  override handle_collect_overflow(): void {
    this.reading_headers = false;
    this.fail(new http_error(431, "header section too large"));
  }

  private finish(body: Buffer | null): void {
    this.set_terminator(null); // browsers sometimes over-send
    this.handling = true;
    this.cgi_data = body;
    this.ibuffer = [];
    this.handle_request();
  }

  private fail(err: http_error): void {
    this.set_terminator(null);
    this.handling = true;
    this.ibuffer = [];
    this.respond(err.status, Buffer.from(`${err.status} ${REASONS[err.status]}: ${err.message}\n`), "text/plain");
  }

  /** Answer the complete request. Override to serve something else. */
  handle_request(): void {
    const head = this.head!;
    const body = this.cgi_data ?? Buffer.alloc(0);
    const json = JSON.stringify({
      method: head.method,
      path: head.path,
      length: body.length,
      sha256: createHash("sha256").update(body).digest("hex"),
    });
    this.respond(200, Buffer.from(`${json}\n`), "application/json", head.method === "HEAD");
  }

  /** Queue one complete response and close the connection once it has been sent. */
  respond(status: number, body: Buffer, content_type: string, head_only = false): void {
    this.status = status;
    const lines = [
      `HTTP/1.1 ${status} ${REASONS[status] ?? "Unknown"}`,
      `Content-Type: ${content_type}`,
      `Content-Length: ${body.length}`,
      "Connection: close",
      "Server: asyncore-ts",
      "",
      "",
    ];
    this.push(Buffer.from(lines.join("\r\n"), "latin1"));
    if (!head_only && body.length) this.push(body);
    this.close_when_done();
    const who = socket.format_address(this.client_addr) || String(this.client_addr);
    this.options.log?.(`${who} ${this.head?.method ?? "-"} ${this.head?.path ?? "-"} ${status}`);
  }
}

/** The listener: accepts connections and hands each to an http_request_handler. */
export class http_server extends asyncore.dispatcher {
  readonly options: ServerOptions;

  constructor(host: string, port: number, options: ServerOptions = {}) {
    super(null, options.map ?? null);
    this.options = options;
    this.create_socket(host.includes(":") ? socket.AF_INET6 : socket.AF_INET, socket.SOCK_STREAM);
    this.set_reuse_addr();
    this.bind([host, port]);
    this.listen(128);
  }

  override handle_accepted(sock: socket.socket, addr: socket.Address): void {
    new http_request_handler(sock, addr, this.options);
  }

  /** The bound address, e.g. ["127.0.0.1", 8080]. */
  get address(): socket.Address {
    return this.socket!.getsockname();
  }

  /** http://host:port/ (https:// with TLS) for this server. */
  get url(): string {
    const a = this.address as [string, number];
    return `${this.options.tls_context ? "https" : "http"}://${a[0].includes(":") ? `[${a[0]}]` : a[0]}:${a[1]}/`;
  }
}

/** start()'s options form: where to listen plus the server's limits. */
export interface StartOptions extends ServerOptions {
  readonly host?: string;
  readonly port?: number;
}

/**
 * Start a server in-process, `start(host, port, options)` or `start({ host, port, ...options })`
 * (defaults 127.0.0.1, port 0 = a free port). Its `.address` is the bound address and `.url`
 * its URL; run asyncore.loop() (on `options.map` if given) to serve.
 */
export function start(host?: string, port?: number, options?: ServerOptions): http_server;
export function start(options: StartOptions): http_server;
export function start(host: string | StartOptions = "127.0.0.1", port = 0, options: ServerOptions = {}): http_server {
  if (typeof host === "object") return new http_server(host.host ?? "127.0.0.1", host.port ?? 0, host);
  return new http_server(host, port, options);
}

/**
 * The program: serve on 127.0.0.1 and the port from argv (default 8080) until killed; with
 * `--workers N`, in N processes sharing the port (asyncore.run_workers).
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  let workers: number;
  let flags: ReturnType<typeof take_server_flags>;
  try {
    const flag = take_workers_flag(argv);
    flags = take_server_flags(flag.args, 8080);
    check_workers_port(flag.workers, flags.port);
    workers = flag.workers;
  } catch (err) {
    console.error(`usage: node dist/examples/http_server.js [port] [--workers N] [--poll] [--tls-cert FILE --tls-key FILE]  (${(err as Error).message})`);
    process.exitCode = 2;
    return;
  }
  await asyncore.run_workers(workers, async () => {
    const tls_context = flags.tls_cert ? server_context(flags.tls_cert, flags.tls_key) : null;
    const server = start("127.0.0.1", flags.port, { log: (line) => console.log(line), tls_context });
    console.log(`serving on ${server.url}${workers > 1 ? ` (pid ${process.pid})` : ""}`);
    await asyncore.loop({ use_poll: flags.use_poll });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
