// `npm run trace -- <example>`: runs a scripted session of an example and prints the loop's timeline.
import * as asyncore from "asyncore-ts/asyncore";
import * as asynchat from "asyncore-ts/asynchat";
import * as socket from "asyncore-ts/socket";
import { b } from "asyncore-ts";
import { start as start_chat } from "./chat_server.js";
import { EchoServer } from "./echo_server.js";
import { start as start_http } from "./http_server.js";

/** A scripted session: sets up channels in `map`; the loop runs until the map is empty. */
type Session = (map: asyncore.SocketMap) => void;

/** Sends each line, waits for it to come back, then closes itself and the server. */
class EchoClient extends asyncore.dispatcher_with_send {
  private readonly lines: Buffer[];
  private got = Buffer.alloc(0);

  constructor(address: socket.Address, lines: Buffer[], private readonly server: asyncore.dispatcher, map: asyncore.SocketMap) {
    super(null, map);
    this.lines = [...lines];
    this.create_socket(socket.AF_INET, socket.SOCK_STREAM);
    this.connect(address);
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

/** One step of a scripted client: send something (or nothing), then wait until `until` has arrived. */
interface Step {
  readonly send: string | null;
  readonly until: string | "<close>";
}

/** An async_chat client that plays steps in lockstep, so every run interleaves the same way. */
class ScriptedClient extends asynchat.async_chat {
  private seen = "";
  private step = 0;

  constructor(address: socket.Address, private readonly steps: readonly Step[], private readonly done: () => void, map: asyncore.SocketMap) {
    super(null, map);
    this.set_terminator(null);
    this.create_socket(socket.AF_INET, socket.SOCK_STREAM);
    this.connect(address);
  }

  override handle_connect(): void {
    this.play();
  }

  private play(): void {
    const s = this.steps[this.step];
    if (s?.send) this.push(Buffer.from(s.send, "latin1"));
  }

  override collect_incoming_data(data: Buffer): void {
    this.seen += data.toString("latin1");
    const s = this.steps[this.step];
    if (s && s.until !== "<close>" && this.seen.includes(s.until)) {
      this.seen = "";
      this.step++;
      this.play();
    }
  }

  override found_terminator(): void {}

  override handle_close(): void {
    this.close();
    this.done();
  }
}

const sessions: Record<string, { readonly about: string; readonly run: Session }> = {
  echo: {
    about: "the echo server of the asyncore documentation, and a client sending two lines",
    run(map) {
      const server = new EchoServer("127.0.0.1", 0, map);
      const addr = (server.socket as socket.socket).getsockname();
      new EchoClient(addr, [b`hello\n`, b`world\n`], server, map);
    },
  },
  http: {
    about: "the asynchat documentation's HTTP server answering a GET, then a POST",
    run(map) {
      const server = start_http({ host: "127.0.0.1", port: 0, map });
      const addr = (server.socket as socket.socket).getsockname();
      const post = (): void => {
        new ScriptedClient(addr, [{ send: "POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello=world", until: "<close>" }], () => server.close(), map);
      };
      new ScriptedClient(addr, [{ send: "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n", until: "<close>" }], post, map);
    },
  },
  chat: {
    about: "the chat server: bob joins, alice joins, talks, asks /who and quits, then bob quits",
    run(map) {
      const chat = start_chat({ host: "127.0.0.1", port: 0, map });
      const finish = (): void => {
        chat.server.close();
        chat.stats_server.close();
      };
      let alice_started = false;
      const bob = new ScriptedClient(chat.chat, [
        { send: null, until: "nickname?" },
        { send: "bob\r\n", until: "Hello bob" },
        { send: null, until: "* alice has left" },
        { send: "/quit\r\n", until: "<close>" },
      ], finish, map);
      // alice starts once bob is in the room, so the interleaving is the same every run
      const orig = bob.collect_incoming_data.bind(bob);
      bob.collect_incoming_data = (data: Buffer): void => {
        orig(data);
        if (!alice_started && data.toString("latin1").includes("Hello bob")) {
          alice_started = true;
          new ScriptedClient(chat.chat, [
            { send: null, until: "nickname?" },
            { send: "alice\r\n", until: "Hello alice" },
            { send: "hi bob\r\n/who\r\n", until: "Users:" },
            { send: "/quit\r\n", until: "<close>" },
          ], () => undefined, map);
        }
      };
    },
  },
};

/** Run a session with the loop observed; resolves to the printed timeline. */
export async function trace_session(name: string, use_poll: boolean, print: (line: string) => void): Promise<void> {
  const session = sessions[name];
  if (!session) throw new Error(`unknown example '${name}'; try: ${Object.keys(sessions).join(", ")}`);
  const map: asyncore.SocketMap = new Map();
  print(`trace of '${name}': ${session.about} (${use_poll ? "poll" : "select"} loop)`);
  const stop = asyncore.add_observer((t) => {
    if (t.map === map) print(asyncore.format_iteration(t));
  });
  try {
    session.run(map);
    await asyncore.loop({ timeout: 5, use_poll, map });
  } finally {
    stop();
    asyncore.close_all(map);
  }
  print(`map empty after ${asyncore.iterations(map)} iterations`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `npm run trace -- chat | head` closes our stdout early: that is not an error.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  const args = process.argv.slice(2);
  const name = args.find((a) => !a.startsWith("-")) ?? "echo";
  await trace_session(name, args.includes("--poll"), (line) => console.log(line));
}
