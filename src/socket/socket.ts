// The Python-style non-blocking socket: one class over node:net (stream) and node:dgram (datagram).
import { Socket as NodeSocket } from "node:net";
import { existsSync } from "node:fs";
import { inspect } from "node:util";
import {
  EAFNOSUPPORT, EAGAIN, EALREADY, EBADF, EINPROGRESS, EINVAL, EISCONN, ENOENT, ENOPROTOOPT,
  EMSGSIZE, ENOTCONN, EPIPE, EPROTONOSUPPORT, ESOCKTNOSUPPORT, EDESTADDRREQ, OSError, OverflowError, ValueError, os_error,
} from "../errno/index.js";
import {
  inet_target, python_address, unix_path, unmap_v4, format_address, type Address,
} from "./address.js";
import {
  AF_INET, AF_INET6, AF_UNIX, MSG_OOB, MSG_PEEK, SHUT_RD, SHUT_RDWR, SHUT_WR, SOCK_DGRAM, SOCK_STREAM,
  SOL_SOCKET, SO_ACCEPTCONN, SO_ERROR, SO_TYPE, SOMAXCONN,
} from "./constants.js";
import { Connection } from "./connection.js";
import { DatagramEndpoint } from "./datagram.js";
import type { Endpoint, EndpointOwner } from "./endpoint.js";
import { allocate_fd, release_fd, replace_fd } from "./fd_table.js";
import { Listener, type BindAddress } from "./listener.js";
import { as_buffer, py_type, type BytesLike } from "./bytes.js";
import { default_options, option_result, read_option, store_option, type SocketOptions } from "./options.js";
import { POLLERR, POLLHUP, POLLNVAL, POLLOUT, Pollable } from "./readiness.js";
import { gaierror } from "./errors.js";

/**
 * Where the socket stands: FRESH, CLOSED, or its endpoint itself (each endpoint class has its
 * `kind` on its prototype), so that a connected socket holds no stage object of its own.
 */
type Stage = typeof FRESH | typeof CLOSED | Listener | Connection | DatagramEndpoint;

/** Warnings a socket cannot raise (an accept that failed while listening); asyncore routes them to log_info. */
export type WarningSink = (message: string) => void;

const FRESH = { kind: "fresh" } as const;
let next_autobind = 0;
const CLOSED = { kind: "closed" } as const;

function check_int(n: unknown): number {
  if (typeof n !== "number" || !Number.isInteger(n)) {
    throw new TypeError(`'${py_type(n)}' object cannot be interpreted as an integer`);
  }
  return n;
}

/** A C int argument, as Python's parser checks it: an integer, then within 32 bits. */
function check_c_int(n: unknown): number {
  check_int(n);
  if ((n as number) > 2 ** 31 - 1) throw new OverflowError("signed integer is greater than maximum");
  if ((n as number) < -(2 ** 31)) throw new OverflowError("signed integer is less than minimum");
  return n as number;
}

/** Linux's SOCK_MAX and IPPROTO_MAX: beyond them socket() is EINVAL rather than "not supported". */
const SOCK_MAX = 11;
const IPPROTO_MAX = 263;
/** The socket types Linux offers per family: stream, datagram, raw, packet; AF_UNIX stream, datagram, raw (as datagram), seqpacket. */
const INET_TYPES: ReadonlySet<number> = new Set([1, 2, 3, 10]);
const UNIX_TYPES: ReadonlySet<number> = new Set([1, 2, 3, 5]);

/** socket()'s protocol as Linux checks it: 0 (or CPython's -1) for the default, else the one protocol of the type. */
function check_protocol(family: number, type: number, proto: number): void {
  if (proto === 0 || proto === -1) return;
  if (family === AF_UNIX) {
    if (proto !== 1 /* PF_UNIX */) throw os_error(EPROTONOSUPPORT);
    return;
  }
  if (proto < 0 || proto >= IPPROTO_MAX) throw os_error(EINVAL);
  if (proto !== (type === SOCK_STREAM ? 6 /* IPPROTO_TCP */ : 17 /* IPPROTO_UDP */)) throw os_error(EPROTONOSUPPORT);
}

/**
 * The local address the last accepted socket got. The connections a listener accepts mostly
 * share it (its host and port), and an address is an immutable tuple, so they share one: no
 * tuple per connection. Compared before one is made: first by Node's host string as it came
 * (`last_local_node`, a v4-mapped form for an AF_INET socket of a port's dual-stack server),
 * which the same family and port make into the same tuple.
 */
let last_local: Address | null = null;
let last_local_node: string | undefined;
function shared_local(family: number, host: string | undefined, port: number | undefined): Address {
  const p = last_local;
  if (p !== null && typeof p !== "string" && host !== undefined && port === p[1] && p.length === (family === AF_INET6 ? 4 : 2)) {
    if (host === last_local_node || host === p[0] || (family === AF_INET && unmap_v4(host) === p[0])) return p;
  }
  last_local_node = host;
  return (last_local = python_address(family, host, port));
}

/** socket.flags: two booleans, the family's code (two bits), the type (a bit), the protocol's code (two bits), the peer's port. */
const OPTS_SHARED = 1;
const CONNECT_REPORTED = 2;
const FAMILY_SHIFT = 2;
const DGRAM_BIT = 16;
const PROTO_SHIFT = 5;
const PORT_SHIFT = 8;
const FAMILY_OF_CODE: readonly number[] = [AF_INET, AF_INET6, AF_UNIX];
const CODE_OF_FAMILY = (f: number): number => (f === AF_INET ? 0 : f === AF_INET6 ? 1 : 2);
/** The protocols check_protocol() lets through: the default, PF_UNIX's, TCP's and UDP's. */
const PROTO_OF_CODE: readonly number[] = [0, 1, 6, 17];
const CODE_OF_PROTO = (p: number): number => PROTO_OF_CODE.indexOf(p);

/** What few sockets set (see socket.rare). */
class Rare {
  pending_error: OSError | null = null;
  timeout: number | null = 0;
  bound_to: Address | null = null;
  on_warning: WarningSink | null = null;
}
/** The Rare of every socket that has set none of it: never written (the setters make one first). */
const NO_RARE = new Rare();

/** The options of every socket that has set none (never written: setsockopt copies first). */
const DEFAULT_OPTIONS: SocketOptions = default_options();

const emit_socket_warning: WarningSink = (m) => process.emitWarning(m, "SocketWarning");

/**
 * The socket is its endpoint's EndpointOwner itself (the `_endpoint_*` methods, @internal): no
 * owner object per socket.
 */
export class socket extends Pollable implements EndpointOwner {
  /**
   * The option values. A new socket starts with the defaults' object, and an accepted socket with
   * its listener's, shared (by every socket that has set nothing, or by the listener's accepted
   * sockets) until the socket sets an option, which copies it first: no options object per
   * connection.
   */
  private opts: SocketOptions = DEFAULT_OPTIONS;
  /**
   * @internal The object of a layer above that took this socket (asyncore's dispatcher, whose
   * warning sink, socket._channel_warning, on_warning gives by default then); never read here
   * otherwise. A slot of its own rather than a property added later, which would give taken
   * sockets a hidden class of their own.
   */
  _channel: object | null = null;
  /**
   * @internal The warning sink of a socket a layer above took (`_channel` set) and whose
   * on_warning was not set otherwise: asyncore's dispatcher sets it when it loads.
   */
  static _channel_warning: WarningSink | null = null;
  private fd: number;
  private stage: Stage = FRESH;
  /**
   * The pending error, timeout, bound address and warning sink, which most connections never
   * set: NO_RARE (shared, never written) until one is set (their accessors below).
   */
  private rare: Rare = NO_RARE;
  /**
   * The peer, kept as its host (an AF_UNIX peer's path) and port (in `flags`) rather than as a
   * tuple: each getpeername() makes its tuple, as CPython's does, and a connection nobody asks
   * has none.
   */
  private peer_host: string | null = null;
  private local: Address | null = null;
  /**
   * OPTS_SHARED and CONNECT_REPORTED, the family, type and protocol (as codes) and the peer's
   * port, in one number: read through the accessors below.
   */
  private flags = OPTS_SHARED;

  /** The address family (AF_INET, AF_INET6, AF_UNIX): read-only, as Python's. */
  get family(): number {
    return FAMILY_OF_CODE[(this.flags >> FAMILY_SHIFT) & 3] as number;
  }
  /** SOCK_STREAM or SOCK_DGRAM: read-only, as Python's. */
  get type(): number {
    return (this.flags & DGRAM_BIT) !== 0 ? SOCK_DGRAM : SOCK_STREAM;
  }
  /** The protocol number (0 unless one was given): read-only, as Python's. */
  get proto(): number {
    return PROTO_OF_CODE[(this.flags >> PROTO_SHIFT) & 3] as number;
  }
  private get peer_port(): number {
    return this.flags >>> PORT_SHIFT;
  }
  private set peer_port(p: number) {
    this.flags = (this.flags & ((1 << PORT_SHIFT) - 1)) | (p << PORT_SHIFT);
  }

  /** The pending error (Linux's sk_err), whichever endpoint met it: reported once. */
  private get pending_error(): OSError | null {
    return this.rare.pending_error;
  }
  private set pending_error(e: OSError | null) {
    this.set_rare("pending_error", e);
  }
  private get timeout(): number | null {
    return this.rare.timeout;
  }
  private set timeout(t: number | null) {
    this.set_rare("timeout", t);
  }
  private get bound_to(): Address | null {
    return this.rare.bound_to;
  }
  private set bound_to(a: Address | null) {
    this.set_rare("bound_to", a);
  }

  /** One of `rare`'s fields set: a socket still sharing NO_RARE gets its own first, unless the value is the default. */
  private set_rare<K extends "pending_error" | "timeout" | "bound_to">(key: K, value: Rare[K]): void {
    if (this.rare === NO_RARE) {
      if (value === NO_RARE[key]) return;
      this.rare = new Rare();
    }
    this.rare[key] = value;
  }

  /**
   * Where accept() failures of a listener are reported: process.emitWarning, or once asyncore's
   * dispatcher took the socket, its log_info; or what was set here. Setting the default keeps
   * nothing (the dispatcher sets its own, which is then the default).
   */
  get on_warning(): WarningSink {
    return this.rare.on_warning ?? this.default_warning();
  }
  set on_warning(w: WarningSink) {
    if (this.rare === NO_RARE) {
      if (w === this.default_warning()) return;
      this.rare = new Rare();
    }
    this.rare.on_warning = w === this.default_warning() ? null : w;
  }
  private default_warning(): WarningSink {
    const c = socket._channel_warning;
    return this._channel !== null && c !== null ? c : emit_socket_warning;
  }

  /** `opts` is shared (see there): setsockopt() copies it first. */
  private get opts_shared(): boolean {
    return (this.flags & OPTS_SHARED) !== 0;
  }
  private set opts_shared(on: boolean) {
    this.flags = on ? this.flags | OPTS_SHARED : this.flags & ~OPTS_SHARED;
  }
  /** connect() has reported an established connection once (accepted sockets are born connected). */
  private get connect_reported(): boolean {
    return (this.flags & CONNECT_REPORTED) !== 0;
  }
  private set connect_reported(on: boolean) {
    this.flags = on ? this.flags | CONNECT_REPORTED : this.flags & ~CONNECT_REPORTED;
  }

  constructor(family: number = AF_INET, type: number = SOCK_STREAM, proto = 0) {
    super();
    check_int(family);
    check_int(type);
    check_int(proto);
    if (family !== AF_INET && family !== AF_INET6 && family !== AF_UNIX) throw os_error(EAFNOSUPPORT);
    // Linux: a type beyond SOCK_MAX is EINVAL; one the family has no protocol for, ESOCKTNOSUPPORT;
    // one Linux would make but Node cannot (raw, packet, AF_UNIX seqpacket), EPROTONOSUPPORT.
    if (type < 0 || type >= SOCK_MAX) throw os_error(EINVAL);
    if (!(family === AF_UNIX ? UNIX_TYPES : INET_TYPES).has(type)) throw os_error(ESOCKTNOSUPPORT);
    if (type !== SOCK_STREAM && type !== SOCK_DGRAM) throw os_error(EPROTONOSUPPORT);
    check_protocol(family, type, proto);
    // Node has no AF_UNIX datagram sockets (see PORTING.md).
    if (family === AF_UNIX && type === SOCK_DGRAM) throw os_error(EPROTONOSUPPORT);
    this.flags = OPTS_SHARED | (CODE_OF_FAMILY(family) << FAMILY_SHIFT) | (type === SOCK_DGRAM ? DGRAM_BIT : 0) |
      (CODE_OF_PROTO(proto === -1 ? 0 : proto) << PROTO_SHIFT);
    this.fd = allocate_fd(this);
  }

  /** The option values (read-only: setsockopt() changes them). */
  get options(): SocketOptions {
    return this.opts;
  }

  /** A socket around a connection that a listener accepted. */
  private static adopt(family: number, conn: Connection, options: SocketOptions, local: Address | null, peer_host: string, peer_port: number): socket {
    const s = new socket(family, SOCK_STREAM);
    // The listener's options at accept(), shared until either side sets one (see `opts`).
    s.opts = options;
    s.stage = conn;
    // connect_reported (accepted sockets are born connected), as a bit: this runs once per connection.
    s.flags |= CONNECT_REPORTED;
    const c = conn.conn;
    if (family === AF_UNIX) {
      // Linux: the peer of an accepted AF_UNIX socket is unnamed; its own name is the listener's path.
      s.peer_host = "";
      s.local = local ?? "";
    } else {
      s.peer_host = peer_host;
      s.peer_port = peer_port;
      s.local = shared_local(family, c.localAddress, c.localPort);
    }
    conn.attach(s);
    return s;
  }

  fileno(): number {
    return this.fd;
  }

  /** Python's `sock.detach()` is not offered; `closed` mirrors `sock._closed`. */
  get closed(): boolean {
    return this.stage === CLOSED;
  }

  /**
   * @internal The ssl layer's wrap, CPython's `sock.detach()` then a socket made on its
   * descriptor: `to` (a fresh socket of the same family and type) takes over this socket's
   * descriptor number, endpoint, pending error, addresses, options, timeout and watchers; this
   * one is left closed (fileno() -1) without touching the connection.
   */
  _move_to(to: socket): void {
    this.check_open();
    if (to.family !== this.family || to.type !== this.type || to.stage.kind !== "fresh") throw os_error(EINVAL);
    release_fd(to.fd);
    to.fd = this.fd;
    replace_fd(this.fd, to);
    to.stage = this.stage;
    to.pending_error = this.pending_error;
    to.timeout = this.timeout;
    to.bound_to = this.bound_to;
    to.peer_host = this.peer_host;
    to.peer_port = this.peer_port;
    to.local = this.local;
    to.connect_reported = this.connect_reported;
    to.on_warning = this.on_warning;
    // Shared until either socket sets one (see `opts`); `to` has set none yet.
    to.opts = this.opts;
    to.opts_shared = this.opts_shared = true;
    // The endpoint now reports to `to`, and reads its options there.
    this.endpoint()?.retarget(to);
    this.stage = CLOSED;
    this.fd = -1;
    this.pending_error = null;
    this.hand_watchers_to(to);
  }

  /** @internal EndpointOwner: readiness may have changed. */
  _endpoint_changed(): void {
    this.notify();
  }

  /** @internal EndpointOwner: the endpoint met an error, kept until reported once. */
  _endpoint_error(err: OSError): void {
    this.pending_error = err;
    this.notify();
  }

  /** @internal EndpointOwner: a failure that is logged, not raised. */
  _endpoint_warn(message: string): void {
    this.on_warning(message);
  }

  // ---- readiness -------------------------------------------------------------------------

  poll_flags(): number {
    const st = this.stage;
    const err = this.pending_error ? POLLERR : 0;
    switch (st.kind) {
      case "closed":
        return POLLNVAL;
      case "fresh":
        // Not connected: a stream socket is writable and hung up, as Linux reports it.
        return err | (this.type === SOCK_DGRAM ? POLLOUT : POLLOUT | POLLHUP);
      case "listener":
        return err | st.poll_flags();
      case "stream":
        return err | st.poll_flags();
      case "datagram":
        return err | st.poll_flags();
    }
  }

  /** The endpoint behind this socket, once there is one. */
  private endpoint(): Endpoint | null {
    const st = this.stage;
    switch (st.kind) {
      case "listener":
        return st;
      case "stream":
        return st;
      case "datagram":
        return st;
      default:
        return null;
    }
  }

  // ---- errors ------------------------------------------------------------------------------

  private check_open(): void {
    if (this.stage === CLOSED) throw os_error(EBADF);
  }

  /** A pending error is reported once, by the first call that can report it. */
  private take_pending(): OSError | null {
    const e = this.rare.pending_error;
    // Most calls find none, and there is nothing to clear (recv, send and accept each ask).
    if (e !== null) this.pending_error = null;
    return e;
  }

  /** SO_ERROR's value left in place (getsockopt takes it, as Linux): for an inspector's look. */
  peek_so_error(): number {
    const e = this.pending_error;
    return e === null || e instanceof gaierror ? 0 : (e.errno ?? 0);
  }

  /**
   * SO_ERROR's value, or the pending gaierror raised: a name that does not resolve is a gaierror
   * that CPython raises from connect() itself, but here the lookup finishes after connect()
   * returned, so the next call that reports the socket's error raises it, with no errno that
   * Linux would never put in SO_ERROR (PORTING.md, "A host name that does not resolve").
   */
  private take_pending_errno(): number {
    const e = this.take_pending();
    if (e instanceof gaierror) throw e;
    return e?.errno ?? 0;
  }

  private throw_pending(): void {
    if (this.rare.pending_error !== null) throw this.take_pending() as OSError;
  }

  // ---- addresses ---------------------------------------------------------------------------

  bind(address: Address): void {
    this.check_open();
    if (this.stage.kind !== "fresh") throw os_error(EINVAL);
    if (this.type === SOCK_DGRAM) {
      const t = inet_target(this.family, address, true);
      const ep = new DatagramEndpoint(this, t.host, t.port);
      this.stage = ep;
      this.bound_to = ep.bound_address();
      return;
    }
    const listener = new Listener(this);
    const target: BindAddress =
      this.family === AF_UNIX
        ? { kind: "path", path: unix_path(address) }
        : { kind: "inet", ...inet_target(this.family, address, true) };
    const result = listener.bind(target);
    if (!result.ok) {
      // The listener swallows the 'error' Node emits for this on the next tick: bind() reports it.
      listener.close();
      throw os_error(result.errno);
    }
    if (target.kind === "path") this.bound_to = target.path;
    else if (result.port !== null) this.bound_to = python_address(this.family, target.host, result.port);
    this.stage = listener;
    this.notify();
  }

  listen(backlog: number = Math.min(SOMAXCONN, 128)): void {
    check_c_int(backlog);
    this.check_open();
    if (this.type !== SOCK_STREAM) throw os_error(95 /* EOPNOTSUPP */);
    if (this.stage.kind === "fresh") {
      // Linux binds an unbound socket to an ephemeral port of every address, or (AF_UNIX) to an
      // autobound name in the abstract namespace.
      this.bind(this.family === AF_UNIX ? `\0${(process.pid * 0x10000 + next_autobind++).toString(16).padStart(5, "0")}` : ["", 0]);
    }
    const st = this.stage;
    if (st.kind !== "listener") throw os_error(EINVAL);
    st.listen(backlog);
    this.notify();
  }

  getsockname(): Address {
    this.check_open();
    const st = this.stage;
    if (st.kind === "stream" && this.local === null && !st.dead) {
      const c = st.conn;
      if (this.family === AF_UNIX) {
        if (st.established) this.local = this.bound_to ?? "";
      } else if (c.localPort !== undefined) {
        // connect(2) bound the socket already: Linux reports the address while connecting too.
        const here = python_address(this.family, c.localAddress, c.localPort);
        if (!st.established) return here;
        this.local = here;
      }
    }
    if (this.local !== null) return this.local;
    if (this.bound_to === null && st.kind === "listener") {
      // Bound to a host name: known once Node's lookup and bind have completed.
      const a = st.node_address();
      if (a !== null) this.bound_to = python_address(this.family, a.address, a.port);
    }
    if (this.bound_to !== null) return this.bound_to;
    return this.family === AF_UNIX ? "" : python_address(this.family, undefined, 0);
  }

  getpeername(): Address {
    this.check_open();
    const st = this.stage;
    if (st.kind === "datagram" && st.peer) {
      return python_address(this.family, st.peer.host, st.peer.port);
    }
    this.getpeername_check();
    return this.peer_address();
  }

  /** A new tuple of the peer kept (peer_host not null). */
  private peer_address(): Address {
    const h = this.peer_host as string;
    return this.family === AF_UNIX ? h : python_address(this.family, h, this.peer_port);
  }

  /**
   * @internal getpeername() deferred: raises what getpeername() would raise now, else returns
   * this socket, whose _peer_now() makes the tuple getpeername() would have returned, later (a
   * stream's peer never changes once it is connected and is kept after the connection ends or
   * the socket closes). asyncore's dispatcher keeps it for `addr`, so that an idle connection
   * whose `addr` nobody reads has no tuple. A datagram socket's peer changes with connect(), so
   * its tuple is made now.
   */
  _peer_later(): socket | Address {
    if (this.stage.kind === "datagram") return this.getpeername();
    this.check_open();
    this.getpeername_check();
    return this;
  }

  /** @internal The tuple _peer_later() promised (it returned this socket). */
  _peer_now(): Address {
    return this.peer_address();
  }

  private getpeername_check(): void {
    const st = this.stage;
    if (st.kind !== "stream" || !st.established || st.dead || this.peer_host === null) {
      throw os_error(ENOTCONN);
    }
  }

  // ---- connections -------------------------------------------------------------------------

  accept(): [socket, Address] {
    this.check_open();
    const st = this.stage;
    if (st.kind !== "listener" || !st.listening) throw os_error(EINVAL);
    this.throw_pending();
    const host = st.next_peer_host();
    const port = st.next_peer_port();
    const conn = st.take();
    if (conn === undefined || host === undefined) throw os_error(EAGAIN);
    // opts_shared, as a bit (see `opts`).
    this.flags |= OPTS_SHARED;
    const s = socket.adopt(this.family, conn, this.opts, this.bound_to, host, port);
    return [s, s.peer_address()];
  }

  /** Non-blocking connect: throws BlockingIOError (EINPROGRESS) while the connection is made. */
  connect(address: Address): void {
    const err = this.connect_ex(address);
    if (err !== 0) throw os_error(err);
  }

  connect_ex(address: Address): number {
    this.check_open();
    const st = this.stage;
    if (st.kind === "datagram" || this.type === SOCK_DGRAM) {
      this.connect_datagram(address);
      return 0;
    }
    if (st.kind === "stream") {
      if (st.dead) return this.take_pending_errno() || EISCONN;
      if (!st.established) return EALREADY;
      // Linux: the first connect() after a non-blocking connect completed reports its success
      // (the socket moves from SS_CONNECTING to SS_CONNECTED); later ones give EISCONN.
      if (!this.connect_reported) {
        this.connect_reported = true;
        return 0;
      }
      return EISCONN;
    }
    // AF_UNIX: a missing path fails at once and leaves the socket as it was, as on Linux.
    if (this.family === AF_UNIX && !existsSync(unix_path(address))) return ENOENT;
    let local: { localAddress?: string; localPort?: number } = {};
    if (st.kind === "listener") {
      if (st.listening) return EINVAL;
      // A client bound before connecting: give the address back to connect from it.
      const b = this.bound_to;
      st.close();
      if (Array.isArray(b)) local = { localAddress: b[0], localPort: b[1] };
    }
    const node = new NodeSocket({ allowHalfOpen: true });
    const conn = new Connection(node, false);
    if (this.family === AF_UNIX) {
      const path = unix_path(address);
      this.peer_host = path;
      this.stage = conn;
      conn.attach(this);
      node.connect({ path });
    } else {
      const t = inet_target(this.family, address, false);
      this.peer_host = t.host;
      this.peer_port = t.port;
      this.stage = conn;
      conn.attach(this);
      node.connect({ host: t.host, port: t.port, family: this.family === AF_INET6 ? 6 : 4, ...local });
    }
    return EINPROGRESS;
  }

  private connect_datagram(address: Address): void {
    const t = inet_target(this.family, address, false);
    this.datagram_endpoint().connect(t.host, t.port);
  }

  private datagram_endpoint(): DatagramEndpoint {
    const st = this.stage;
    if (st.kind === "datagram") return st;
    const ep = new DatagramEndpoint(this, this.family === AF_INET6 ? "::" : "0.0.0.0", 0);
    this.stage = ep;
    this.bound_to = ep.bound_address();
    return ep;
  }

  // ---- data --------------------------------------------------------------------------------

  recv(bufsize: number, flags = 0): Buffer {
    this.check_open();
    check_int(bufsize);
    if (bufsize < 0) throw new ValueError("negative buffersize in recv");
    // Linux: EINVAL with SO_OOBINLINE or no urgent byte waiting, and Node never sees one.
    if (this.type === SOCK_STREAM && (flags & MSG_OOB) !== 0) throw os_error(EINVAL);
    const st = this.stage;
    if (st.kind === "datagram") return this.recvfrom(bufsize, flags)[0];
    if (st.kind !== "stream") {
      this.throw_pending();
      throw os_error(this.type === SOCK_DGRAM ? EAGAIN : ENOTCONN);
    }
    const peek = (flags & MSG_PEEK) !== 0;
    if (st.rbuf.length === 0) this.throw_pending();
    if (!st.established && !st.dead) throw os_error(EAGAIN);
    if (bufsize === 0) return Buffer.alloc(0);
    const data = st.read(bufsize, peek);
    if (data === null) throw os_error(EAGAIN);
    return data;
  }

  recvfrom(bufsize: number, flags = 0): [Buffer, Address | null] {
    this.check_open();
    check_int(bufsize);
    if (bufsize < 0) throw new ValueError("negative buffersize in recvfrom");
    const st = this.stage;
    if (st.kind !== "datagram") {
      if (this.type === SOCK_STREAM) return [this.recv(bufsize, flags), null];
      this.throw_pending();
      throw os_error(EAGAIN);
    }
    this.throw_pending();
    const d = st.receive(bufsize, (flags & MSG_PEEK) !== 0);
    if (d === null) throw os_error(EAGAIN);
    return [d.data, d.from];
  }

  /** Takes as many bytes as fit in SO_SNDBUF and returns the count; BlockingIOError when full. */
  send(data: BytesLike, flags = 0): number {
    check_int(flags);
    const n = this._send_nowait(data, flags);
    if (n < 0) throw os_error(EAGAIN);
    return n;
  }

  /**
   * @internal send() answering -1 where send() raises BlockingIOError (EAGAIN), for the senders
   * inside the library (dispatcher.send): a full buffer is routine there, and constructing an
   * exception is costly in V8. Every other error is raised as send() raises it.
   */
  _send_nowait(data: BytesLike, flags = 0): number {
    void flags;
    const st = this.stage;
    // A stream (so the socket is open): the checks below in their order, fewer of them, and the
    // room and writability read once, by the connection's send().
    if (st.kind === "stream") {
      const buf = as_buffer(data);
      this.throw_pending();
      const n = st.send(buf);
      if (n >= -1) return n;
      // The bytes taken filled the buffer: watchers learn that it is no longer writable.
      this.notify();
      return -2 - n;
    }
    this.check_open();
    const buf = as_buffer(data);
    if (st.kind === "datagram") {
      if (!st.peer) throw os_error(EDESTADDRREQ);
      this.throw_pending();
      if (buf.length > st.max_payload) throw os_error(EMSGSIZE);
      st.send(buf, st.peer.host, st.peer.port);
      return buf.length;
    }
    this.throw_pending();
    throw os_error(this.type === SOCK_DGRAM ? EDESTADDRREQ : EPIPE);
  }

  /** On a non-blocking socket, sendall() raises BlockingIOError when the buffer fills part way. */
  sendall(data: BytesLike, flags = 0): void {
    const buf = as_buffer(data);
    let at = 0;
    while (at < buf.length) at += this.send(buf.subarray(at), flags);
  }

  sendto(data: BytesLike, address: Address): number;
  sendto(data: BytesLike, flags: number, address: Address): number;
  sendto(data: BytesLike, a: Address | number, b?: Address): number {
    this.check_open();
    const buf = as_buffer(data);
    const address = typeof a === "number" ? b : a;
    if (this.type === SOCK_STREAM) {
      const st = this.stage;
      if (st.kind === "stream" && st.established) throw os_error(EISCONN);
      throw os_error(EPIPE);
    }
    const t = inet_target(this.family, address, "sendto");
    const ep = this.datagram_endpoint();
    this.throw_pending();
    if (buf.length > ep.max_payload) throw os_error(EMSGSIZE);
    ep.send(buf, t.host, t.port);
    return buf.length;
  }

  shutdown(how: number): void {
    check_int(how);
    this.check_open();
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) throw os_error(EINVAL);
    const st = this.stage;
    if (st.kind !== "stream" || !st.established) throw os_error(ENOTCONN);
    if (how !== SHUT_WR) st.shutdown_read();
    if (how !== SHUT_RD) st.shutdown_write();
    this.notify();
  }

  /** Releases the descriptor at once; bytes that send() took are still delivered, then a FIN. */
  close(): void {
    const st = this.stage;
    if (st.kind === "closed") return;
    this.stage = CLOSED;
    release_fd(this.fd);
    this.fd = -1;
    switch (st.kind) {
      case "listener":
        st.close();
        break;
      case "stream":
        st.release();
        break;
      case "datagram":
        st.close();
        break;
      case "fresh":
        break;
    }
    this.notify();
  }

  // ---- options -----------------------------------------------------------------------------

  setblocking(flag: boolean): void {
    this.check_open();
    // Node cannot block; the flag is kept for gettimeout() (see PORTING.md, "always non-blocking").
    this.timeout = flag ? null : 0;
  }

  getblocking(): boolean {
    return this.timeout !== 0;
  }

  settimeout(value: number | null): void {
    if (value !== null && typeof value !== "number") check_int(value);
    if (Number.isNaN(value)) throw new ValueError("Invalid value NaN (not a number)");
    if (value !== null && value < 0) throw new ValueError("Timeout value out of range");
    this.timeout = value;
  }

  gettimeout(): number | null {
    return this.timeout;
  }

  setsockopt(level: number, option: number, value: number | boolean | BytesLike): void {
    check_int(level);
    check_int(option);
    this.check_open();
    if (this.opts_shared) {
      this.opts = { ...this.opts };
      this.opts_shared = false;
    }
    const key = store_option(this.opts, level, option, value);
    this.endpoint()?.option_changed(key);
  }

  getsockopt(level: number, option: number, buflen?: number): number | Buffer {
    check_int(level);
    check_int(option);
    if (buflen !== undefined && (check_int(buflen) <= 0 || buflen > 1024)) throw new OSError(null, "getsockopt buflen out of range");
    this.check_open();
    let v: number | Buffer | null = null;
    if (level === SOL_SOCKET && option === SO_ERROR) v = this.take_pending_errno();
    else if (level === SOL_SOCKET && option === SO_TYPE) v = this.type;
    else if (level === SOL_SOCKET && option === SO_ACCEPTCONN) {
      v = Number(this.stage.kind === "listener" && this.stage.listening);
    } else v = read_option(this.options, level, option);
    if (v === null) throw os_error(ENOPROTOOPT);
    return option_result(v, buflen);
  }

  // ---- repr --------------------------------------------------------------------------------

  override toString(): string {
    const fam = this.family === AF_INET ? "AF_INET" : this.family === AF_INET6 ? "AF_INET6" : "AF_UNIX";
    const kind = this.type === SOCK_STREAM ? "SOCK_STREAM" : "SOCK_DGRAM";
    if (this.stage.kind === "closed") {
      return `<socket.socket [closed] fd=-1, family=${fam}, type=${kind}, proto=${this.proto}>`;
    }
    let s = `<socket.socket fd=${this.fd}, family=${fam}, type=${kind}, proto=${this.proto}`;
    const st = this.stage;
    if (st.kind !== "fresh") s += `, laddr=${format_address(this.getsockname())}`;
    if (st.kind === "stream" && st.established && this.peer_host !== null) {
      s += `, raddr=${format_address(this.peer_address())}`;
    }
    return s + ">";
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

