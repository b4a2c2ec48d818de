// A live status page for a map, served by a channel in that same map: the map, the loop count, the last trace.
import * as asyncore from "asyncore-ts/asyncore";
import * as asynchat from "asyncore-ts/asynchat";
import * as socket from "asyncore-ts/socket";
import { b } from "asyncore-ts";

/** Keeps the last iterations of one map's loop, as text, for the page. */
export class LoopRecorder {
  readonly lines: string[] = [];
  iterations = 0;
  private readonly stop: () => void;

  constructor(private readonly map: asyncore.SocketMap, private readonly keep = 20) {
    this.stop = asyncore.add_observer((t) => {
      if (t.map !== this.map) return;
      this.iterations = t.iteration;
      // Idle wake-ups (nothing dispatched) would crowd out the iterations that did something.
      if (t.dispatched.length === 0) return;
      this.lines.push(asyncore.format_iteration(t));
      if (this.lines.length > this.keep) this.lines.shift();
    });
  }

  close(): void {
    this.stop();
  }
}

export interface ChannelRow {
  readonly fd: number;
  readonly class: string;
  readonly state: string;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly repr: string;
}

/** The map as rows: what the loop's next iteration will ask each channel. */
export function snapshot(map: asyncore.SocketMap): ChannelRow[] {
  const rows: ChannelRow[] = [];
  for (const [fd, ch] of map) {
    const d = ch as asyncore.dispatcher;
    const state = d.accepting ? "listening" : d.connected ? "connected" : d.connecting ? "connecting" : "idle";
    rows.push({
      fd, class: d.constructor.name, state, readable: ch.readable(), writable: ch.writable() && !d.accepting,
      repr: String(ch),
    });
  }
  return rows;
}

function escape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function page(map: asyncore.SocketMap, rec: LoopRecorder, links: readonly string[]): string {
  const rows = snapshot(map)
    .map((r) => `<tr><td>${r.fd}</td><td>${escape(r.class)}</td><td>${r.state}</td><td>${r.readable ? "✔" : ""}</td><td>${r.writable ? "✔" : ""}</td></tr>`)
    .join("");
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<title>asyncore-ts demo</title><style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 10px;text-align:left}
pre{background:#f4f4f4;padding:1em;font-size:12px}</style></head><body>
<h1>One asyncore map</h1><p>${links.map(escape).join(" · ")}</p>
<p>loop iterations: <b id="iterations">${rec.iterations}</b>, channels in the map: <b>${map.size}</b> (this page refreshes every 2 s)</p>
<table><tr><th>fd</th><th>class</th><th>state</th><th>readable()</th><th>writable()</th></tr>${rows}</table>
<h2>Last loop iterations</h2><pre>${escape(rec.lines.slice().reverse().join("\n"))}</pre></body></html>`;
}

/** One HTTP request: headers up to the blank line, then the page or the JSON, then close. */
export class StatusHandler extends asynchat.async_chat {
  private readonly head: Buffer[] = [];

  constructor(sock: socket.socket, private readonly server: StatusServer, map: asyncore.SocketMap) {
    super(sock, map);
    this.set_terminator(b`\r\n\r\n`);
  }

  override collect_incoming_data(data: Buffer): void {
    this.head.push(data);
  }

  override found_terminator(): void {
    const line = Buffer.concat(this.head).toString("latin1").split("\r\n")[0] ?? "";
    const path = line.split(" ")[1] ?? "/";
    const s = this.server;
    let status = "200 OK";
    let type = "text/html; charset=utf-8";
    let body: string;
    if (path === "/status.json") {
      type = "application/json";
      body = JSON.stringify({ iterations: s.recorder.iterations, channels: snapshot(s.map), trace: s.recorder.lines });
    } else if (path === "/") {
      body = page(s.map, s.recorder, s.links);
    } else {
      status = "404 Not Found";
      type = "text/plain";
      body = "not found\n";
    }
    const bytes = Buffer.from(body, "utf8");
    this.push(b`HTTP/1.1 ${status}\r\nContent-Type: ${type}\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`);
    this.push(bytes);
    this.close_when_done();
    this.set_terminator(null);
  }

  override handle_close(): void {
    this.close();
  }
}

export class StatusServer extends asyncore.dispatcher {
  readonly recorder: LoopRecorder;

  constructor(host: string, port: number, readonly map: asyncore.SocketMap, readonly links: readonly string[] = []) {
    super(null, map);
    this.recorder = new LoopRecorder(map);
    this.create_socket(socket.AF_INET, socket.SOCK_STREAM);
    this.set_reuse_addr();
    this.bind([host, port]);
    this.listen(64);
  }

  override handle_accepted(sock: socket.socket): void {
    new StatusHandler(sock, this, this.map);
  }

  override close(): void {
    this.recorder.close();
    super.close();
  }
}
