// The inspector: a listening dispatcher in the map it shows, answering the page's HTTP and event routes.
import {
  dispatcher, on_step_change, pause, resume, set_aside, socket_map, step, step_status, type SocketMap,
} from "../asyncore/index.js";
import { AF_INET, AF_INET6, SOCK_STREAM, type Address, type socket } from "../socket/index.js";
import { channel_state } from "./channel_state.js";
import { event_frame, offer } from "./events.js";
import { InspectorChannel, type Reply, type Request, type Router } from "./http_channel.js";
import { page_html } from "./page.js";
import type { ChannelRow, Control, IterationRecord, Snapshot } from "./protocol.js";
import { Recorder } from "./recorder.js";

export interface InspectOptions {
  /** The map to show (default: asyncore's socket_map); the inspector joins it. */
  readonly map?: SocketMap;
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** The page's title (default "asyncore-ts inspector"). */
  readonly title?: string;
  /** Iterations kept for the page (default 300). */
  readonly capacity?: number;
  /**
   * Bytes of events that may wait for one page (default 1 MiB). A page that reads slower than
   * the loop produces misses events past it, then gets one `dropped` event and re-reads /snapshot.
   */
  readonly events_limit?: number;
  /**
   * When to observe the loop: "watched" (the default) while a page reads /events or the map is
   * paused, so that an inspector nobody watches costs the loop next to nothing; "always" keeps
   * the last iterations for a page that comes later, at the cost of tracing every iteration.
   */
  readonly record?: "watched" | "always";
}

export interface Inspector {
  /** Where it listens: (host, port). */
  readonly address: Address;
  /** The page's URL. */
  readonly url: string;
  snapshot(): Snapshot;
  /** Pages connected to /events now. */
  readonly watchers: number;
  /** Stop: the listener and every page's connection close; a map paused from the page resumes. */
  close(): void;
}

function json(status: string, value: unknown): Reply {
  return { kind: "body", status, type: "application/json", body: JSON.stringify(value) };
}

const ROUTES: Readonly<Record<string, string>> = {
  "/": "GET", "/snapshot": "GET", "/events": "GET", "/channel": "GET", "/pause": "POST", "/step": "POST", "/resume": "POST",
};

/** The listening channel; it and every connection it accepts are set aside (served while paused). */
class InspectorServer extends dispatcher implements Router {
  readonly recorder: Recorder;
  readonly pages = new Set<InspectorChannel>();
  readonly #conns = new Set<InspectorChannel>();
  #paused_by_page = false;
  readonly #stop_step: () => void;
  #closed = false;
  #last_control: Control | null = null;

  constructor(
    readonly map: SocketMap,
    readonly title: string,
    readonly events_limit: number,
    capacity: number | undefined,
    private readonly always: boolean,
  ) {
    super(null, map);
    this.recorder = new Recorder(map, { ...(capacity === undefined ? {} : { capacity }), recording: always });
    this.recorder.on_iteration = (r: IterationRecord) => {
      if (this.pages.size > 0) this.broadcast("iteration", r);
    };
    this.recorder.on_channel = (r: ChannelRow) => {
      if (this.pages.size > 0) this.broadcast("channel", r);
    };
    this.#stop_step = on_step_change(map, () => {
      this.#record_if_needed();
      const c = this.control();
      const last = this.#last_control;
      // The same state told twice (the loop holding right after a step ended) is sent once.
      if (last !== null && last.paused === c.paused && last.n === c.n && last.steps === c.steps) return;
      this.#last_control = c;
      if (this.pages.size > 0) this.broadcast("control", c);
    });
  }

  /** Observe while someone watches or the map is paused (InspectOptions.record). */
  #record_if_needed(): void {
    if (this.#closed) return;
    this.recorder.recording = this.always || this.pages.size > 0 || step_status(this.map).paused;
  }

  control(): Control {
    const s = step_status(this.map);
    return { paused: s.paused, n: this.recorder.last, steps: s.steps };
  }

  snapshot(): Snapshot {
    return this.recorder.snapshot(this.title, true, this.control());
  }

  override handle_accepted(sock: socket): void {
    const ch = new InspectorChannel(sock, this, this.map);
    this.#conns.add(ch);
    set_aside(ch, this.map);
  }

  route(req: Request, ch: InspectorChannel): Reply {
    const method = ROUTES[req.path];
    if (method === undefined) return { kind: "body", status: "404 Not Found", type: "text/plain", body: "not found\n" };
    if (req.method !== method) return { kind: "body", status: "405 Method Not Allowed", type: "text/plain", body: "method not allowed\n", allow: method };
    // Another site's page in the same browser may POST here too: only this page's own may steer.
    if (method === "POST" && req.origin !== "" && req.origin !== `http://${req.host}`) {
      return { kind: "body", status: "403 Forbidden", type: "text/plain", body: "cross-origin control refused\n" };
    }
    switch (req.path) {
      case "/":
        return { kind: "body", status: "200 OK", type: "text/html; charset=utf-8", body: page_html(null) };
      case "/snapshot":
        return json("200 OK", this.snapshot());
      case "/events":
        // Recording starts first: the rows it brings up to date go to the pages already there,
        // and this page's stream starts with its headers (the channel writes them on return).
        this.recorder.recording = true;
        this.pages.add(ch);
        return { kind: "events" };
      case "/channel": {
        const raw = req.query.get("fd") ?? "";
        const fd = /^\d+$/.test(raw) ? Number(raw) : NaN;
        if (!Number.isSafeInteger(fd)) return json("400 Bad Request", { error: "fd must be a number" });
        const obj = this.map.get(fd);
        if (obj === undefined) return json("404 Not Found", { error: `fd ${fd} is not in the map` });
        return json("200 OK", channel_state(fd, obj));
      }
      case "/pause":
        this.#paused_by_page = true;
        pause(this.map);
        return json("200 OK", this.control());
      case "/step": {
        const raw = req.query.get("count") ?? "1";
        const count = /^\d+$/.test(raw) ? Number(raw) : NaN;
        if (!(count >= 1 && count <= 1000)) return json("400 Bad Request", { error: "count must be 1..1000" });
        this.#paused_by_page = true;
        step(this.map, count);
        return json("200 OK", this.control());
      }
      default:
        this.#paused_by_page = false;
        resume(this.map);
        return json("200 OK", this.control());
    }
  }

  closed(ch: InspectorChannel): void {
    this.pages.delete(ch);
    this.#conns.delete(ch);
    this.#record_if_needed();
  }

  /** One event to every page, each bounded by events_limit (events.ts). */
  broadcast(event: string, data: unknown): void {
    const f = event_frame(event, data);
    for (const p of this.pages) offer(p, f, this.events_limit);
  }

  override handle_close(): void {
    this.close();
  }

  override close(): void {
    super.close();
    if (this.#closed) return;
    this.#closed = true;
    this.recorder.close();
    this.#stop_step();
    for (const ch of [...this.#conns]) ch.close();
    if (this.#paused_by_page) resume(this.map);
  }
}

/**
 * Add an inspector to `map` (default: asyncore's socket_map): a listening channel in that map,
 * served by the loop it shows, with the page at `url`. One line in a program:
 * `const insp = inspect({ map, port: 0 })`.
 */
export function inspect(opts: InspectOptions = {}): Inspector {
  const map = opts.map ?? socket_map;
  const host = opts.host ?? "127.0.0.1";
  const limit = opts.events_limit ?? 1024 * 1024;
  if (!Number.isInteger(limit) || limit < 1024) throw new RangeError(`events_limit must be an integer >= 1024, not ${limit}`);
  const server = new InspectorServer(map, opts.title ?? "asyncore-ts inspector", limit, opts.capacity, opts.record === "always");
  try {
    server.create_socket(host.includes(":") ? AF_INET6 : AF_INET, SOCK_STREAM);
    server.set_reuse_addr();
    server.bind([host, opts.port ?? 0]);
    server.listen(16);
    set_aside(server, map);
  } catch (err) {
    server.close();
    throw err;
  }
  const address = (server.socket as socket).getsockname();
  const port = typeof address === "string" ? 0 : address[1];
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}/`;
  return {
    address, url,
    snapshot: () => server.snapshot(),
    get watchers() {
      return server.pages.size;
    },
    close: () => server.close(),
  };
}
