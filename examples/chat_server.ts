// A chat server in the classic asyncore/asynchat style: one listener dispatcher, one
// async_chat per client speaking "\r\n"-terminated lines, and, in the same map, a plain
// dispatcher that reports statistics to whoever connects to it.
//
// Protocol (every line ends with \r\n, text is UTF-8):
//   the first line a client sends is its nickname (or "/nick name");
//   any other line is broadcast to the rest of the room as "<nick> text";
//   /nick name   change nickname ("* old is now known as new" to everyone)
//   /who         "Users: a, b, c" (in joining order)
//   /quit        "Bye", then the server closes the connection
// The stats listener writes "users N", "messages N", "bytes N", "connections N" lines and closes.
import * as asyncore from "asyncore-ts/asyncore";
import * as asynchat from "asyncore-ts/asynchat";
import * as socket from "asyncore-ts/socket";
import { b } from "asyncore-ts";
import { check_workers_port, take_workers_flag, type WorkersFlag } from "./workers_flag.js";

/** Longest line a client may send (bytes, terminator excluded); longer lines are refused. */
export const MAX_LINE = 4096;
const NICK_RE = /^[^\s/][^\s]{0,31}$/u;

function family_of(host: string): number {
  return host.includes(":") ? socket.AF_INET6 : socket.AF_INET;
}

/** The shared state of the room: who is here, and the counters the stats listener reports. */
export class ChatRoom {
  readonly channels = new Set<ChatChannel>();
  /** Chat lines broadcast so far. */
  messages = 0;
  /** Bytes (UTF-8) of the text of those lines. */
  bytes = 0;
  /** Connections accepted so far. */
  connections = 0;

  /** Nicknames of the users who have joined, in joining order. */
  nicks(): string[] {
    const out: string[] = [];
    for (const c of this.channels) if (c.nick !== null) out.push(c.nick);
    return out;
  }

  find(nick: string): ChatChannel | undefined {
    for (const c of this.channels) if (c.nick === nick) return c;
    return undefined;
  }

  /** Send `line` to every user who has a nickname, except `except`. */
  broadcast(line: string, except: ChatChannel | null = null): void {
    const data = Buffer.from(`${line}\r\n`, "utf8");
    for (const c of this.channels) if (c !== except && c.nick !== null && c.connected) c.push(data);
  }

  stats(): { users: number; messages: number; bytes: number; connections: number } {
    return { users: this.nicks().length, messages: this.messages, bytes: this.bytes, connections: this.connections };
  }
}

export class ChatChannel extends asynchat.async_chat {
  nick: string | null = null;
  private line_length = 0;
  private left = false;

  constructor(sock: socket.socket, readonly room: ChatRoom, map?: asyncore.SocketMap) {
    super(sock, map);
    this.set_terminator(b`\r\n`);
    room.channels.add(this);
    this.push(b`Welcome to the chat. What is your nickname?\r\n`);
  }

  /** Send one line of UTF-8 text. */
  say(text: string): void {
    this.push(Buffer.from(`${text}\r\n`, "utf8"));
  }

  override collect_incoming_data(data: Buffer): void {
    this.line_length += data.length;
    if (this.line_length <= MAX_LINE) this._collect_incoming_data(data);
  }

  override found_terminator(): void {
    const too_long = this.line_length > MAX_LINE;
    this.line_length = 0;
    const line = this._get_data().toString("utf8");
    if (too_long) {
      this.say(`Line too long (max ${MAX_LINE} bytes)`);
      return;
    }
    if (line.startsWith("/")) {
      const sp = line.indexOf(" ");
      const cmd = (sp < 0 ? line : line.slice(0, sp)).toLowerCase();
      const arg = sp < 0 ? "" : line.slice(sp + 1).trim();
      this.command(cmd, arg);
    } else if (this.nick === null) {
      this.set_nick(line.trim());
    } else if (line.length) {
      this.room.messages += 1;
      this.room.bytes += Buffer.byteLength(line, "utf8");
      this.room.broadcast(`<${this.nick}> ${line}`, this);
    }
  }

  private command(cmd: string, arg: string): void {
    switch (cmd) {
      case "/nick":
        this.set_nick(arg);
        break;
      case "/who":
        this.say(`Users: ${this.room.nicks().join(", ")}`);
        break;
      case "/quit":
        this.say("Bye");
        this.close_when_done();
        break;
      default:
        this.say(`Unknown command ${cmd} (try /nick, /who, /quit)`);
    }
  }

  private set_nick(nick: string): void {
    if (!NICK_RE.test(nick)) {
      this.say("Invalid nickname (1-32 characters, no spaces, not starting with /), try again");
      return;
    }
    const other = this.room.find(nick);
    if (other && other !== this) {
      this.say(`Nickname ${nick} is taken, try another`);
      return;
    }
    const old = this.nick;
    if (old === nick) return;
    this.nick = nick;
    if (old === null) {
      const users = this.room.nicks();
      this.say(`Hello ${nick}, ${users.length} user(s) here: ${users.join(", ")}`);
      this.room.broadcast(`* ${nick} has joined`, this);
    } else {
      this.room.broadcast(`* ${old} is now known as ${nick}`);
    }
  }

  override close(): void {
    if (!this.left) {
      this.left = true;
      this.room.channels.delete(this);
      if (this.nick !== null) this.room.broadcast(`* ${this.nick} has left`);
    }
    super.close();
  }
}

/** A listening socket on (host, port) for one room: what ChatServer and StatsServer share. */
abstract class RoomListener extends asyncore.dispatcher {
  constructor(host: string, port: number, readonly room: ChatRoom, map?: asyncore.SocketMap) {
    super(null, map);
    this.create_socket(family_of(host), socket.SOCK_STREAM);
    this.set_reuse_addr();
    this.bind([host, port]);
    this.listen(5);
  }
}

export class ChatServer extends RoomListener {
  constructor(host: string, port: number, room: ChatRoom = new ChatRoom(), map?: asyncore.SocketMap) {
    super(host, port, room, map);
  }

  override handle_accepted(sock: socket.socket, addr: socket.Address): void {
    void addr;
    this.room.connections += 1;
    new ChatChannel(sock, this.room, this._map);
  }
}

/** A plain dispatcher (no asynchat): writes the room's counters, then closes. */
export class StatsHandler extends asyncore.dispatcher {
  private out: Buffer;

  constructor(sock: socket.socket, room: ChatRoom, map?: asyncore.SocketMap) {
    super(sock, map);
    const s = room.stats();
    this.out = b`users ${s.users}\r\nmessages ${s.messages}\r\nbytes ${s.bytes}\r\nconnections ${s.connections}\r\n`;
  }

  override readable(): boolean {
    return true;
  }

  override writable(): boolean {
    return this.out.length > 0;
  }

  override handle_read(): void {
    // Whatever the peer sends is ignored; recv() returning b"" means it went away.
    this.recv(4096);
  }

  override handle_write(): void {
    const sent = this.send(this.out);
    this.out = this.out.subarray(sent);
    if (this.out.length === 0) this.close();
  }

  override handle_close(): void {
    this.close();
  }
}

export class StatsServer extends RoomListener {
  override handle_accepted(sock: socket.socket, addr: socket.Address): void {
    void addr;
    new StatsHandler(sock, this.room, this._map);
  }
}

export interface ChatOptions {
  host?: string;
  /** The chat port; 0 picks a free one. */
  port?: number;
  /** The stats port; 0 (the default) picks a free one. */
  stats_port?: number;
  map?: asyncore.SocketMap;
}

export interface ChatStarted {
  chat: socket.Address;
  stats: socket.Address;
  room: ChatRoom;
  server: ChatServer;
  stats_server: StatsServer;
}

/** Create the chat and stats listeners in `map` (default: asyncore.socket_map); does not loop. */
export function start(opts: ChatOptions = {}): ChatStarted {
  const host = opts.host ?? "127.0.0.1";
  const room = new ChatRoom();
  const server = new ChatServer(host, opts.port ?? 0, room, opts.map);
  let stats_server: StatsServer;
  try {
    stats_server = new StatsServer(host, opts.stats_port ?? 0, room, opts.map);
  } catch (err) {
    server.close();
    throw err;
  }
  return {
    chat: server.socket!.getsockname(),
    stats: stats_server.socket!.getsockname(),
    room,
    server,
    stats_server,
  };
}

// node dist/examples/chat_server.js [port] [stats_port] [--workers N]   (127.0.0.1, 8023; stats on a free port)
//
// With --workers N, N processes serve the same ports, and each is a room of its own: a user sees
// only the users whose connection landed on the same worker (no state is shared between
// processes). The stats port is then port + 1 unless given, since port 0 cannot be shared.
if (import.meta.url === `file://${process.argv[1]}`) {
  let flag: WorkersFlag | null = null;
  try {
    const f = take_workers_flag(process.argv.slice(2));
    const port = Number(f.args[0] ?? 8023);
    check_workers_port(f.workers, port);
    check_workers_port(f.workers, Number(f.args[1] ?? port + 1), "stats port");
    flag = f;
  } catch (err) {
    console.error(`usage: node dist/examples/chat_server.js [port] [stats_port] [--workers N]  (${(err as Error).message})`);
    process.exitCode = 2;
  }
  if (flag !== null) {
    const { workers, args } = flag;
    const port = Number(args[0] ?? 8023);
    const stats_port = args[1] ? Number(args[1]) : workers > 1 ? port + 1 : 0;
    await asyncore.run_workers(workers, async () => {
      const started = start({ host: "127.0.0.1", port, stats_port });
      const pid = workers > 1 ? ` (pid ${process.pid})` : "";
      console.log(`chat server on ${socket.format_address(started.chat)}, stats on ${socket.format_address(started.stats)}${pid}`);
      await asyncore.loop();
    });
  }
}
