// One connection to the inspector: HTTP/1.1 requests (keep-alive), and the server-sent events of a page.
import { async_chat } from "../asynchat/index.js";
import type { SocketMap } from "../asyncore/index.js";
import type { socket } from "../socket/index.js";

/** What the server answers a request with. */
export type Reply =
  | { readonly kind: "body"; readonly status: string; readonly type: string; readonly body: string | Buffer; readonly allow?: string }
  | { readonly kind: "events" };

export interface Request {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** The Host and Origin headers ("" when absent). */
  readonly host: string;
  readonly origin: string;
}

/** The server side a channel needs: routing, and hearing that a page's event stream ended. */
export interface Router {
  /** Bytes that may wait for one connection: past it, an event is dropped and requests wait. */
  readonly events_limit: number;
  route(req: Request, ch: InspectorChannel): Reply;
  /** The connection closed. */
  closed(ch: InspectorChannel): void;
}

const HEAD_END = Buffer.from("\r\n\r\n");
/** A request head larger than this is refused (431): a peer cannot grow the input buffer. */
const HEAD_LIMIT = 16 * 1024;
const BODY_LIMIT = 4 * 1024;

/**
 * The inspector's connections are async_chat channels in the map they show. A request is read
 * up to its blank line (then its small body, if any); the reply is pushed whole. A page's
 * /events turns the connection into an event stream: its output is counted (`queued`) so that
 * the server can bound it (server.ts), and its input is ignored.
 */
export class InspectorChannel extends async_chat {
  override ac_collect_limit: number | null = HEAD_LIMIT;
  #head: Buffer[] = [];
  #state: "head" | "body" | "events" | "done" = "head";
  #pending: { req: Request; keep: boolean } | null = null;
  /** Bytes pushed and not yet taken by the socket. */
  queued = 0;
  /** Events dropped for this page since the last that got through. */
  dropped = 0;

  constructor(sock: socket, private readonly router: Router, map: SocketMap) {
    super(sock, map);
    this.set_terminator(HEAD_END);
  }

  get streaming(): boolean {
    return this.#state === "events";
  }

  /**
   * A peer that sends requests without reading the answers waits for them to drain before its
   * next request is read (TCP holds the rest), so its answers cannot grow without bound. An
   * event stream's input is read on (and dropped) so that its close is seen.
   */
  override readable(): boolean {
    return this.#state === "events" || this.queued <= this.router.events_limit;
  }

  override collect_incoming_data(data: Buffer): void {
    if (this.#state === "head") this.#head.push(data);
    // A body is ignored (the routes take none); an event stream's input too.
  }

  override found_terminator(): void {
    if (this.#state === "body") {
      const p = this.#pending as { req: Request; keep: boolean };
      this.#pending = null;
      this.#answer(p.req, p.keep);
      return;
    }
    if (this.#state !== "head") return;
    const text = Buffer.concat(this.#head).toString("latin1");
    this.#head = [];
    const lines = text.split("\r\n");
    const [method, target, version] = (lines[0] ?? "").split(" ");
    if (method === undefined || target === undefined || version === undefined || !/^HTTP\/1\.[01]$/.test(version) || !target.startsWith("/")) {
      this.#send_reply({ kind: "body", status: "400 Bad Request", type: "text/plain", body: "bad request\n" }, false);
      return;
    }
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const i = line.indexOf(":");
      if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
    }
    const conn = (headers.get("connection") ?? "").toLowerCase();
    const keep = version === "HTTP/1.1" ? conn !== "close" : conn === "keep-alive";
    let url: URL;
    try {
      url = new URL(target, "http://inspector");
    } catch {
      this.#send_reply({ kind: "body", status: "400 Bad Request", type: "text/plain", body: "bad request\n" }, false);
      return;
    }
    const req: Request = {
      method, path: url.pathname, query: url.searchParams, host: headers.get("host") ?? "", origin: headers.get("origin") ?? "",
    };
    const length = Number(headers.get("content-length") ?? "0");
    if (!Number.isInteger(length) || length < 0 || length > BODY_LIMIT || headers.has("transfer-encoding")) {
      this.#send_reply({ kind: "body", status: "413 Content Too Large", type: "text/plain", body: "no body expected\n" }, false);
      return;
    }
    if (length > 0) {
      this.#state = "body";
      this.#pending = { req, keep };
      this.set_terminator(length);
      return;
    }
    this.#answer(req, keep);
  }

  #answer(req: Request, keep: boolean): void {
    this.#state = "head";
    this.set_terminator(HEAD_END);
    this.#send_reply(this.router.route(req, this), keep);
  }

  #send_reply(reply: Reply, keep: boolean): void {
    if (reply.kind === "events") {
      this.#state = "events";
      this.#ignore_input();
      this.write_out(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: keep-alive\r\n\r\nretry: 1000\n\n",
      );
      return;
    }
    const body = typeof reply.body === "string" ? Buffer.from(reply.body, "utf8") : reply.body;
    const allow = reply.allow === undefined ? "" : `Allow: ${reply.allow}\r\n`;
    this.write_out(
      `HTTP/1.1 ${reply.status}\r\nContent-Type: ${reply.type}\r\nContent-Length: ${body.length}\r\nCache-Control: no-store\r\n${allow}` +
        `Connection: ${keep ? "keep-alive" : "close"}\r\n\r\n`,
    );
    this.write_out(body);
    if (!keep) {
      this.close_when_done();
      this.#state = "done";
      this.#ignore_input();
    }
  }

  /** From here on input is dropped as it comes, so it needs no limit. */
  #ignore_input(): void {
    this.set_terminator(null);
    this.ac_collect_limit = null;
  }

  /** Push, counting what waits. */
  write_out(data: string | Buffer): void {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    this.queued += buf.length;
    this.push(buf);
  }

  override send(data: Uint8Array): number {
    const n = super.send(data);
    this.queued -= n;
    return n;
  }

  override handle_collect_overflow(): void {
    this.#head = [];
    this.#send_reply({ kind: "body", status: "431 Request Header Fields Too Large", type: "text/plain", body: "request head too large\n" }, false);
  }

  override handle_close(): void {
    this.close();
  }

  override close(): void {
    super.close();
    this.router.closed(this);
  }
}
