// `npm run trace -- <example> [--poll] [--html FILE]`: runs a scripted session of an example and prints the loop's timeline.
import { writeFileSync } from "node:fs";
import * as asyncore from "asyncore-ts/asyncore";
import * as asynchat from "asyncore-ts/asynchat";
import * as socket from "asyncore-ts/socket";
import { b } from "asyncore-ts";
import { page_html, Recorder, type Snapshot } from "asyncore-ts/inspect";
import { start as start_chat } from "./chat_server.js";
import { EchoServer } from "./echo_server.js";
import { start as start_http } from "./http_server.js";

/** A scripted session: sets up channels in `map`; the loop runs until the map is empty. */
type Session = (map: asyncore.SocketMap) => void;

// A session prints the same timeline on every run only if the kernel never gets to choose an
// order. Left alone it does, and under load its choices vary: whether a client's connect
// completes before or after the server sees the connection, and whether data sent to two
// clients is read by one, the other, or both in the same iteration. So the clients here keep
// one thing in flight at a time: a client joins the write set only once the server has
// accepted its connection, joins the read set only once connected, and (ScriptedClient) reads
// only on its own turn of the session's script, what the server sent it meanwhile waiting in
// its socket.

/** Counts a listening dispatcher's accepts, so that each client can wait for its own. */
class Accepts {
  private accepted = 0;
  private issued = 0;

  constructor(server: asyncore.dispatcher) {
    const handle_accepted = server.handle_accepted.bind(server);
    server.handle_accepted = (sock: socket.socket, addr: socket.Address): void => {
      this.accepted++;
      handle_accepted(sock, addr);
    };
  }

  /** For the next client to connect: true once the server has accepted its connection. */
  ticket(): () => boolean {
    const n = ++this.issued;
    return () => this.accepted >= n;
  }
}

/** Sends each line, waits for it to come back, then closes itself and the server. */
class EchoClient extends asyncore.dispatcher_with_send {
  private readonly lines: Buffer[];
  private got = Buffer.alloc(0);
  private readonly accepted: () => boolean;

  constructor(address: socket.Address, lines: Buffer[], private readonly server: asyncore.dispatcher, accepts: Accepts, map: asyncore.SocketMap) {
    super(null, map);
    this.lines = [...lines];
    this.accepted = accepts.ticket();
    this.create_socket(socket.AF_INET, socket.SOCK_STREAM);
    this.connect(address);
  }

  override readable(): boolean {
    return this.connected;
  }

  override writable(): boolean {
    return this.accepted() && super.writable();
  }

  override handle_connect(): void {
    this.send(this.lines[0] as Buffer);
  }

  override handle_read(): void {
    this.got = Buffer.concat([this.got, this.recv(8192)]);
    const want = this.lines[0] as Buffer;
    if (this.got.length < want.length) return;
    this.got = this.got.subarray(want.length);
    this.lines.shift();
    const next = this.lines[0];
    if (next) {
      this.send(next);
    } else {
      this.close();
      this.server.close();
    }
  }

  override handle_close(): void {
    this.close();
  }
}

/** One step of a script: client `who` sends something (or nothing), then reads until `until` has arrived. */
interface Step {
  readonly who: string;
  readonly send: string | null;
  readonly until: string | "<close>";
}

/** Plays a session's steps one at a time, over all its clients; a client is made at its first step. */
class Script {
  private readonly clients = new Map<string, ScriptedClient>();
  private at = -1;

  constructor(
    private readonly address: socket.Address,
    private readonly accepts: Accepts,
    private readonly steps: readonly Step[],
    private readonly done: () => void,
    private readonly map: asyncore.SocketMap,
  ) {
    this.next();
  }

  /** The step being played. */
  get step(): Step | undefined {
    return this.steps[this.at];
  }

  /** Go on to the next step: its client sends, then it is that client's turn to read. */
  next(): void {
    const s = this.steps[++this.at];
    if (!s) return this.done();
    let c = this.clients.get(s.who);
    if (!c) {
      c = new ScriptedClient(this, this.address, this.accepts.ticket(), this.map);
      this.clients.set(s.who, c);
    }
    if (s.send) c.push(Buffer.from(s.send, "latin1"));
  }

  turn_of(c: ScriptedClient): boolean {
    const s = this.step;
    return s !== undefined && this.clients.get(s.who) === c;
  }
}

/** An async_chat client of a Script. */
class ScriptedClient extends asynchat.async_chat {
  private seen = "";

  constructor(private readonly script: Script, address: socket.Address, private readonly accepted: () => boolean, map: asyncore.SocketMap) {
    super(null, map);
    this.set_terminator(null);
    this.create_socket(socket.AF_INET, socket.SOCK_STREAM);
    this.connect(address);
  }

  override readable(): boolean {
    return this.connected && this.script.turn_of(this);
  }

  override writable(): boolean {
    return this.accepted() && super.writable();
  }

  override handle_connect(): void {}

  override collect_incoming_data(data: Buffer): void {
    this.seen += data.toString("latin1");
    const s = this.script.step;
    if (s && s.until !== "<close>" && this.seen.includes(s.until)) {
      this.seen = "";
      this.script.next();
    }
  }

  override found_terminator(): void {}

  override handle_close(): void {
    this.close();
    if (this.script.turn_of(this) && this.script.step?.until === "<close>") this.script.next();
  }
}

const sessions: Record<string, { readonly about: string; readonly run: Session }> = {
  echo: {
    about: "the echo server of the asyncore documentation, and a client sending two lines",
    run(map) {
      const server = new EchoServer("127.0.0.1", 0, map);
      const addr = server.socket!.getsockname();
      new EchoClient(addr, [b`hello\n`, b`world\n`], server, new Accepts(server), map);
    },
  },
  http: {
    about: "the asynchat documentation's HTTP server answering a GET, then a POST",
    run(map) {
      const server = start_http({ host: "127.0.0.1", port: 0, map });
      const addr = server.socket!.getsockname();
      new Script(addr, new Accepts(server), [
        { who: "get", send: "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n", until: "<close>" },
        { who: "post", send: "POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello=world", until: "<close>" },
      ], () => server.close(), map);
    },
  },
  chat: {
    about: "the chat server: bob joins, alice joins, talks, asks /who and quits, then bob quits",
    run(map) {
      const chat = start_chat({ host: "127.0.0.1", port: 0, map });
      new Script(chat.chat, new Accepts(chat.server), [
        { who: "bob", send: null, until: "nickname?" },
        { who: "bob", send: "bob\r\n", until: "Hello bob" },
        { who: "alice", send: null, until: "nickname?" },
        { who: "alice", send: "alice\r\n", until: "Hello alice" },
        { who: "bob", send: null, until: "* alice has joined" },
        { who: "alice", send: "hi bob\r\n/who\r\n", until: "Users:" },
        { who: "bob", send: null, until: "<alice> hi bob" },
        { who: "alice", send: "/quit\r\n", until: "<close>" },
        { who: "bob", send: null, until: "* alice has left" },
        { who: "bob", send: "/quit\r\n", until: "<close>" },
      ], () => {
        chat.server.close();
        chat.stats_server.close();
      }, map);
    },
  },
};

/**
 * Run a session with the loop observed, printing its timeline. `watch`, if given, is handed the
 * session's map before anything joins it, and what it returns is called once the loop is done.
 */
export async function trace_session(
  name: string, use_poll: boolean, print: (line: string) => void, watch?: (map: asyncore.SocketMap) => () => void,
): Promise<void> {
  const session = sessions[name];
  if (!session) throw new Error(`unknown example '${name}'; try: ${Object.keys(sessions).join(", ")}`);
  const map: asyncore.SocketMap = new Map();
  print(`trace of '${name}': ${session.about} (${use_poll ? "poll" : "select"} loop)`);
  const stop = asyncore.add_observer((t) => {
    if (t.map === map) print(asyncore.format_iteration(t));
  });
  const unwatch = watch?.(map);
  try {
    session.run(map);
    await asyncore.loop({ timeout: 5, use_poll, map });
  } finally {
    unwatch?.();
    stop();
    asyncore.close_all(map);
  }
  print(`map empty after ${asyncore.iterations(map)} iterations`);
}

/** Run a session, printing its timeline, and return it as the inspector draws it (every iteration, no server). */
export async function session_snapshot(name: string, use_poll: boolean, print: (line: string) => void): Promise<Snapshot> {
  let rec: Recorder | null = null;
  // A session is short and ends by itself: the recorder may keep all of it.
  await trace_session(name, use_poll, print, (map) => {
    const r = (rec = new Recorder(map, { capacity: 100_000 }));
    return () => r.close();
  });
  const r = rec as Recorder | null;
  if (r === null) throw new Error("the session never ran");
  return r.snapshot(`npm run trace -- ${name}${use_poll ? " --poll" : ""}: ${sessions[name]?.about ?? name}`, false);
}

/** The command line: the example's name, --poll, and --html FILE (or --html=FILE). */
function parse_args(args: readonly string[]): { name: string; use_poll: boolean; html: string | null } {
  let html: string | null = null;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--html") {
      html = args[++i] ?? null;
      if (html === null) throw new Error("--html needs a file name: --html FILE");
    } else if (a.startsWith("--html=")) {
      html = a.slice("--html=".length);
    } else {
      rest.push(a);
    }
  }
  return { name: rest.find((a) => !a.startsWith("-")) ?? "echo", use_poll: rest.includes("--poll"), html };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `npm run trace -- chat | head` closes our stdout early: that is not an error.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  const { name, use_poll, html } = parse_args(process.argv.slice(2));
  const print = (line: string): void => console.log(line);
  if (html === null) {
    await trace_session(name, use_poll, print);
  } else {
    const snap = await session_snapshot(name, use_poll, print);
    writeFileSync(html, page_html(snap));
    print(`wrote ${html}: the inspector's picture of these ${snap.iterations.length} iterations (open it in a browser)`);
  }
}
