// asyncore.dispatcher: a socket in a map, with Python's event methods and default handlers.
import { Buffer } from "node:buffer"; // not the global: globalThis.Buffer is a getter, called on every use
import { inspect } from "node:util";
import {
  AttributeError, EAGAIN, EALREADY, EBADF, ECONNABORTED, EINPROGRESS, EINVAL, EISCONN, ENOTCONN, EWOULDBLOCK,
  os_error,
} from "../errno/index.js";
import {
  AF_INET, SOCK_STREAM, SOL_SOCKET, SO_ERROR, SO_REUSEADDR, format_address, socket,
  type Address, type BytesLike,
} from "../socket/index.js";
import { _DISCONNECTED, errno_of_error } from "./errors.js";
import { socket_map, wake, type Channel, type SocketMap } from "./map.js";
import { settle } from "./returned_promise.js";
import { compact_traceback, current_error, type_repr } from "./traceback.js";
import * as trace from "./trace.js";

/** The b'' that recv() gives at end of stream: one shared empty Buffer, as CPython shares its empty bytes. */
const EMPTY = Buffer.alloc(0);

/** socket.send as the library defines it: dispatcher.send takes its non-raising twin. */
const socket_send = socket.prototype.send;
/** socket.getpeername as the library defines it: `addr` may then be read later (the constructor). */
const socket_getpeername = socket.prototype.getpeername;

/** What a dispatcher wraps: a socket, or file_wrapper (anything socket-like with these). */
export interface SocketLike {
  fileno(): number;
  recv(n: number): Buffer;
  send(data: BytesLike): number;
  close(): void;
  getsockopt(level: number, option: number, buflen?: number): number | Buffer;
  setblocking?(flag: boolean): void;
  getpeername?(): Address;
}

/**
 * Socket-like objects other than the library's sockets that a dispatcher took with set_socket().
 * A library socket a dispatcher took carries that dispatcher (its `_channel`) instead: no weak
 * table entry per connection.
 */
const owned = new WeakSet<object>();

/** An accepted socket no dispatcher took is closed if handle_accepted fails. */
function close_unowned(sock: socket): void {
  if (sock._channel !== null || owned.has(sock)) return;
  try {
    sock.close();
  } catch {
    // Already closed by the handler, or gone: nothing left to release.
  }
}

let next_id = 0x7f3a00001000;
const ids = new WeakMap<object, number>();

/** A stable per-object number standing in for Python's id() in repr. */
export function id_of(obj: object): number {
  let n = ids.get(obj);
  if (n === undefined) {
    n = next_id;
    next_id += 0x40;
    ids.set(obj, n);
  }
  return n;
}

/** Python's repr of an address: tuples as `('::1', 8080, 0, 0)`, strings quoted. */
export function repr_address(a: unknown): string {
  if (typeof a === "string") return `'${a}'`;
  if (Array.isArray(a)) {
    const parts = a.map((x) => (typeof x === "string" ? `'${x}'` : String(x)));
    return `(${parts.join(", ")}${parts.length === 1 ? "," : ""})`;
  }
  return String(a);
}

/**
 * Class attributes, as in Python: the defaults live on the prototype (set below) and are read at
 * use time. Declared by interface merging, not as class fields, so that a subclass may override
 * each with a field or with a getter (a `declare`d field would forbid the getter, TS2611).
 */
export interface dispatcher {
  debug: boolean;
  connected: boolean;
  accepting: boolean;
  connecting: boolean;
  closing: boolean;
  addr: Address | null;
  ignore_log_types: ReadonlySet<string>;
}

/**
 * `S` is the type of `this.socket`: the socket layer's `socket` by default, so a subclass calls
 * `this.socket!.getsockname()` or `setsockopt()` without a cast; file_dispatcher's is a
 * file_wrapper. Code that takes any dispatcher writes `dispatcher<SocketLike>`.
 */
/**
 * A socket's warnings (accept() failures) go to its dispatcher's log_info. One shared function,
 * called as the socket's method, finds the dispatcher on the socket (`_channel`): no closure per channel.
 */
function warn_through_dispatcher(this: socket, message: string): void {
  (this._channel as { log_info(message: string, type: string): void } | null)?.log_info(message, "error");
}
// The default sink of a socket a dispatcher took, so that set_socket()'s assignment below keeps
// nothing per socket (socket.on_warning).
socket._channel_warning = warn_through_dispatcher;

export class dispatcher<S extends SocketLike = socket> implements Channel {
  socket: S | null = null;
  /** The map given to the constructor; socket_map (on the prototype, not a field per channel) when none was. */
  declare _map: SocketMap;
  _fileno: number | null = null;
  /** Set by create_socket(); absent before, as in Python (a declared field would be an own `undefined` on every channel). */
  declare family_and_type?: readonly [number, number];
  /**
   * @internal What `addr` holds (the accessor at the end of this file): an address, or the
   * socket whose getpeername() the constructor deferred (socket._peer_later()), made into the
   * tuple at the first read. Absent until set, as `addr` was (the class attribute).
   */
  declare _addr?: Address | socket | null;

  constructor(sock?: socket | null, map?: SocketMap | null) {
    if (map) this._map = map;
    if (sock) {
      sock.setblocking(false);
      this.set_socket(sock, map);
      this.connected = true;
      try {
        // The tuple is made when `addr` is first read (the accessor below), for a library socket
        // whose getpeername() is the library's: an idle connection's nobody reads.
        this._addr = sock instanceof socket && sock.getpeername === socket_getpeername ? sock._peer_later() : sock.getpeername();
      } catch (err) {
        const no = errno_of_error(err);
        if (no === ENOTCONN || no === EINVAL) {
          // A listening or unconnected socket: not connected yet.
          this.connected = false;
        } else {
          this.del_channel(map);
          throw err;
        }
      }
    }
  }

  toString(): string {
    const status = [this.constructor.name];
    if (this.accepting && this.addr) status.push("listening");
    else if (this.connected) status.push("connected");
    if (this.addr != null) {
      const a = this.addr;
      status.push(Array.isArray(a) && a.length === 2 ? format_address(a) : repr_address(a));
    }
    return `<${status.join(" ")} at 0x${id_of(this).toString(16)}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  // ---- the map -----------------------------------------------------------------------------

  add_channel(map?: SocketMap | null): void {
    const m = map ?? this._map;
    m.set(this._fileno as number, this);
    wake(m);
  }

  del_channel(map?: SocketMap | null): void {
    const fd = this._fileno;
    const m = map ?? this._map;
    if (fd !== null && m.get(fd) === this) {
      m.delete(fd);
      wake(m);
    } else if (fd !== null && m.has(fd)) {
      m.delete(fd);
    }
    this._fileno = null;
  }

  create_socket(family: number = AF_INET, type: number = SOCK_STREAM): void {
    this.family_and_type = [family, type];
    const sock = new socket(family, type);
    sock.setblocking(false);
    this.set_socket(sock);
  }

  /** Any socket-like object, as in Python (a test double too); `this.socket` is then typed `S`. */
  set_socket(sock: SocketLike, map?: SocketMap | null): void {
    this.socket = sock as S;
    this._fileno = sock.fileno();
    if (sock instanceof socket) {
      sock._channel = this;
      sock.on_warning = warn_through_dispatcher;
    } else {
      owned.add(sock);
    }
    this.add_channel(map);
  }

  /** Turn SO_REUSEADDR on, if the socket allows it. */
  set_reuse_addr(): void {
    const s = this.sock("setsockopt");
    try {
      s.setsockopt(SOL_SOCKET, SO_REUSEADDR, (s.getsockopt(SOL_SOCKET, SO_REUSEADDR) as number) | 1);
    } catch (err) {
      if (errno_of_error(err) === null) throw err;
    }
  }

  // ---- predicates --------------------------------------------------------------------------

  readable(): boolean {
    return true;
  }

  writable(): boolean {
    return true;
  }

  // ---- socket methods ------------------------------------------------------------------------

  /** The socket, for its method `attr`: before create_socket() CPython fails on None with AttributeError. */
  private sock(attr: string): socket {
    const s = this.socket;
    if (s === null) throw new AttributeError(`'NoneType' object has no attribute '${attr}'`);
    return s as SocketLike as socket;
  }

  listen(num: number): void {
    this.accepting = true;
    return this.sock("listen").listen(num);
  }

  bind(addr: Address): void {
    this.addr = addr;
    return this.sock("bind").bind(addr);
  }

  connect(address: Address): void {
    this.connected = false;
    this.connecting = true;
    const err = this.sock("connect_ex").connect_ex(address);
    wake(this._map);
    if (err === EINPROGRESS || err === EALREADY || err === EWOULDBLOCK) {
      this.addr = address;
      return;
    }
    if (err === 0 || err === EISCONN) {
      this.addr = address;
      this.handle_connect_event();
    } else {
      throw os_error(err);
    }
  }

  /** [sock, addr], or null when there was nothing to accept after all. */
  accept(): [socket, Address] | null {
    let pair: [socket, Address];
    try {
      pair = this.sock("accept").accept();
    } catch (err) {
      if (err instanceof TypeError) return null;
      const no = errno_of_error(err);
      if (no === EWOULDBLOCK || no === ECONNABORTED || no === EAGAIN) return null;
      throw err;
    }
    if (trace.tracing) trace.note({ kind: "accept", peer: format_address(pair[1]) || "''" });
    return pair;
  }

  /** Bytes sent; 0 when the buffer is full or the peer is gone (then handle_close ran). */
  send(data: BytesLike): number {
    try {
      const s = this.sock("send");
      // A full buffer answers -1 instead of raising BlockingIOError (costly in V8), unless the
      // socket's send() was replaced, which is then called as Python would.
      const n = s.send === socket_send ? s._send_nowait(data) : s.send(data);
      if (n < 0) return 0;
      if (trace.tracing) trace.note({ kind: "send", bytes: n });
      return n;
    } catch (err) {
      const no = errno_of_error(err);
      if (no === EWOULDBLOCK) return 0;
      if (no !== null && _DISCONNECTED.has(no)) {
        settle(this, this.handle_close());
        return 0;
      }
      throw err;
    } finally {
      // Output queued from a timer changes what writable() says: wake a waiting loop.
      wake(this._map);
    }
  }

  /** Up to buffer_size bytes; an empty Buffer (after handle_close) at end of stream. */
  recv(buffer_size: number): Buffer {
    try {
      const data = this.sock("recv").recv(buffer_size);
      if (trace.tracing) trace.note({ kind: "recv", bytes: data.length });
      if (data.length === 0) {
        settle(this, this.handle_close());
        return EMPTY;
      }
      return data;
    } catch (err) {
      const no = errno_of_error(err);
      if (no !== null && _DISCONNECTED.has(no)) {
        settle(this, this.handle_close());
        return EMPTY;
      }
      throw err;
    }
  }

  close(): void {
    this.connected = false;
    this.accepting = false;
    this.connecting = false;
    if (trace.tracing && this._fileno !== null) trace.note({ kind: "close" });
    this.del_channel();
    if (this.socket !== null) {
      try {
        this.socket.close();
      } catch (err) {
        const no = errno_of_error(err);
        if (no !== ENOTCONN && no !== EBADF) throw err;
      }
    }
  }

  // ---- logging -----------------------------------------------------------------------------

  log(message: unknown): void {
    process.stderr.write(`log: ${String(message)}\n`);
  }

  log_info(message: unknown, type = "info"): void {
    if (!this.ignore_log_types.has(type)) console.log(`${type}: ${String(message)}`);
  }

  // ---- events the loop calls ---------------------------------------------------------------

  handle_read_event(): void {
    if (this.accepting) {
      settle(this, this.handle_accept());
    } else if (!this.connected) {
      if (this.connecting) {
        this.handle_connect_event();
        // handle_connect() may have closed the channel: no more handlers (ARCHITECTURE.md, "No handler after close").
        if (this._fileno === null) return;
      }
      settle(this, this.handle_read());
    } else {
      settle(this, this.handle_read());
    }
  }

  handle_connect_event(): void {
    const err = this.sock("getsockopt").getsockopt(SOL_SOCKET, SO_ERROR) as number;
    if (err !== 0) throw os_error(err);
    if (trace.tracing) trace.note({ kind: "connect" });
    settle(this, this.handle_connect());
    this.connected = true;
    this.connecting = false;
  }

  handle_write_event(): void {
    if (this.accepting) return;
    if (!this.connected && this.connecting) {
      this.handle_connect_event();
      if (this._fileno === null) return;
    }
    settle(this, this.handle_write());
  }

  handle_expt_event(): void {
    const err = this.sock("getsockopt").getsockopt(SOL_SOCKET, SO_ERROR) as number;
    if (err !== 0) settle(this, this.handle_close());
    else settle(this, this.handle_expt());
  }

  /**
   * Log the error and close. The loop passes the error it caught; called without one, it uses
   * the error being handled now (Python's sys.exc_info()).
   */
  handle_error(err: unknown = current_error()): void {
    const [, t, v, info] = compact_traceback(err);
    let self_repr: string;
    try {
      self_repr = String(this);
    } catch {
      self_repr = `<__repr__(self) failed for object at ${id_of(this).toString(16)}>`;
    }
    const text = v instanceof Error ? v.message : String(v);
    if (trace.tracing) trace.note({ kind: "error", error: `${t.name}: ${text}` });
    this.log_info(
      `uncaptured python exception, closing channel ${self_repr} (${type_repr(t)}:${text} ${info})`,
      "error",
    );
    settle(this, this.handle_close());
  }

  handle_expt(): void {
    this.log_info("unhandled incoming priority event", "warning");
  }

  handle_read(): void {
    this.log_info("unhandled read event", "warning");
  }

  handle_write(): void {
    this.log_info("unhandled write event", "warning");
  }

  handle_connect(): void {
    this.log_info("unhandled connect event", "warning");
  }

  /**
   * If handle_accepted raises (or its promise rejects) before a dispatcher took the new socket,
   * the socket is closed: CPython's would be collected and closed, and the client sees EOF.
   * PORTING.md, "An accepted socket nobody took".
   */
  handle_accept(): void {
    const pair = this.accept();
    if (pair === null) return;
    const [sock, addr] = pair;
    let result: unknown;
    try {
      result = this.handle_accepted(sock, addr);
    } catch (err) {
      close_unowned(sock);
      throw err;
    }
    // A closure only for a handler that returned something (a promise): not one per accept.
    if (result !== undefined) settle(this, result, () => close_unowned(sock));
  }

  handle_accepted(sock: socket, addr: Address): void {
    void addr;
    sock.close();
    this.log_info("unhandled accepted event", "warning");
  }

  handle_close(): void {
    this.log_info("unhandled close event", "warning");
    this.close();
  }
}

Object.assign(dispatcher.prototype, {
  debug: false,
  connected: false,
  accepting: false,
  connecting: false,
  closing: false,
  _map: socket_map,
  ignore_log_types: new Set(["warning"]) as ReadonlySet<string>,
});

// `addr` is a class attribute (None) until set, as in Python; the constructor's getpeername() for
// an accepted socket is made into its tuple at the first read.
Object.defineProperty(dispatcher.prototype, "addr", {
  get(this: dispatcher): Address | null {
    const a = this._addr;
    // Never set: the class attribute (None); set to undefined by a program: that.
    if (a === undefined) return "_addr" in this ? (a as unknown as null) : null;
    if (a instanceof socket) return (this._addr = a._peer_now());
    return a;
  },
  set(this: dispatcher, value: Address | null) {
    this._addr = value;
  },
  configurable: true,
});
