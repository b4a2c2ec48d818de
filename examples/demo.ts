// `npm start`: the chat server, the HTTP server, a live status page and the loop inspector, all in ONE asyncore map.
import * as asyncore from "asyncore-ts/asyncore";
import { inspect } from "asyncore-ts/inspect";
import * as socket from "asyncore-ts/socket";
import { start as start_chat } from "./chat_server.js";
import { start as start_http } from "./http_server.js";
import { StatusServer } from "./status_page.js";

export interface DemoOptions {
  readonly host?: string;
  /** Ports to try for status page, HTTP server, chat and inspector; 0 picks free ones. */
  readonly ports?: { readonly status: number; readonly http: number; readonly chat: number; readonly inspector?: number };
  readonly map?: asyncore.SocketMap;
}

export interface Demo {
  readonly map: asyncore.SocketMap;
  readonly urls: {
    readonly status: string; readonly http: string; readonly chat: string; readonly stats: string; readonly inspector: string;
  };
  /** Close every channel: the loop then ends. */
  stop(): void;
}

function port_of(a: socket.Address): number {
  return typeof a === "string" ? 0 : a[1];
}

/** A fixed port if free, else any: a newcomer gets stable URLs, a busy machine still starts. */
function with_fallback<T>(port: number, make: (port: number) => T): T {
  try {
    return make(port);
  } catch (err) {
    if (port !== 0 && err instanceof socket.OSError && err.code === "EADDRINUSE") return make(0);
    throw err;
  }
}

export function start_demo(opts: DemoOptions = {}): Demo {
  const host = opts.host ?? "127.0.0.1";
  const map: asyncore.SocketMap = opts.map ?? new Map();
  const ports = opts.ports ?? { status: 8000, http: 8080, chat: 8023, inspector: 8001 };
  const chat = with_fallback(ports.chat, (port) => start_chat({ host, port, map }));
  const http = with_fallback(ports.http, (port) => start_http({ host, port, map }));
  const http_url = `http://${host}:${port_of(http.address)}/`;
  const chat_url = `${host} ${port_of(chat.chat)}`;
  const stats_url = `${host} ${port_of(chat.stats)}`;
  // The inspector is one more channel in the same map, served by the loop it shows.
  const insp = with_fallback(ports.inspector ?? 0, (port) => inspect({ map, host, port, title: "asyncore-ts demo: one map" }));
  const status = with_fallback(
    ports.status,
    (port) => new StatusServer(host, port, map, [
      `inspector (watch and step the loop): ${insp.url}`, `HTTP server: ${http_url}`, `chat: nc ${chat_url}`, `chat statistics: nc ${stats_url}`,
    ]),
  );
  const status_url = `http://${host}:${port_of(status.socket!.getsockname())}/`;
  return {
    map,
    urls: { status: status_url, http: http_url, chat: chat_url, stats: stats_url, inspector: insp.url },
    stop: () => asyncore.close_all(map),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const ephemeral = process.argv.includes("--ephemeral");
  const demo = start_demo(ephemeral ? { ports: { status: 0, http: 0, chat: 0, inspector: 0 } } : {});
  console.log("asyncore-ts demo: one map, one loop");
  console.log(`  inspector    ${demo.urls.inspector}   (watch the loop, pause it, step it)`);
  console.log(`  status page  ${demo.urls.status}`);
  console.log(`  HTTP server  ${demo.urls.http}`);
  console.log(`  chat         nc ${demo.urls.chat}   (or: npm run line-client -- ${demo.urls.chat})`);
  console.log(`  statistics   nc ${demo.urls.stats}`);
  console.log("Ctrl-C stops.");
  process.once("SIGINT", () => {
    console.log("\nstopping: closing every channel");
    demo.stop();
  });
  process.once("SIGTERM", () => demo.stop());
  await asyncore.loop({ timeout: 30, use_poll: true, map: demo.map });
  console.log("map empty, loop done");
}
