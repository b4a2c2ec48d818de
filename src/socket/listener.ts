// A listening socket's accept queue, kept in the emulation because Node accepts eagerly; and where its bind is made.
import { existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { createServer, isIP, type Server, type Socket as NodeSocket } from "node:net";
import { getuid } from "node:process";
import {
  EACCES, EADDRINUSE, EADDRNOTAVAIL, ENOENT, os_error,
} from "../errno/index.js";
import { Connection, reset_connection } from "./connection.js";
import { is_local_host, unmap_v4 } from "./address.js";
import { socket_error_from_node } from "./errors.js";
import { AF_INET6, AF_UNIX, SOMAXCONN } from "./constants.js";
import type { Endpoint, EndpointOwner } from "./endpoint.js";
import { port_table, type Binding, type Member } from "./port_table.js";
import { POLLHUP, POLLIN, POLLOUT } from "./readiness.js";
import { listener_sharing } from "./sharing.js";

/** Where a stream socket binds: a path, or an internet address (an IP literal, or a name Node has to look up). */
export type BindAddress =
  | { readonly kind: "path"; readonly path: string }
  | { readonly kind: "inet"; readonly host: string; readonly port: number };

/** An internet address to bind, with what the socket's options and the process's sharing make of it. */
interface InetTarget {
  readonly version: 4 | 6;
  readonly host: string;
  readonly port: number;
  readonly v6only: boolean;
  readonly reuseport: boolean;
  /** Let node:cluster's primary hold the listening socket (workers sharing one port). */
  readonly cluster: boolean;
}

/** bind()'s outcome: the port now known (null for a path, or while Node still binds), or the errno. */
export type BindResult = { readonly ok: true; readonly port: number | null } | { readonly ok: false; readonly errno: number };

type Phase = "bound" | "listening";

/** What the listener listens through: a share of this process's port, or a Node server of its own. */
type Source =
  | { readonly kind: "none" }
  | { readonly kind: "port"; detach(): void }
  | { readonly kind: "server"; readonly server: Server };

/**
 * A listener bound to an IP literal is itself its binding's Member of the port (port_table.ts):
 * the port's server hands each connection to deliver() with no closure between them, which would
 * be one more function for V8 to compile on the per-connection path (bench/README.md, the conn5
 * section).
 */
export class Listener implements Endpoint, Member {
  /** The socket's stage this endpoint stands for: on the prototype, not a field of each Listener. */
  declare readonly kind: "listener";
  /** Accepted by Node, waiting for accept(); at most a few thousand, so shift() is cheap. */
  private queue: Connection[] = [];
  /**
   * Each queued connection's peer, read when Node accepted it: once the peer resets it, Node has
   * no address for it, where the kernel's accept() still gives one (PORTING.md, "The accept queue
   * lives in the emulation"): its host (unmapped) and port, two entries per connection, and no
   * tuple (accept() makes it).
   */
  private peers: Array<string | number> = [];
  private limit = 0;
  /** close() was called: Node's late events (a failed listen's 'error') no longer reach the owner. */
  private closed = false;
  private source: Source = { kind: "none" };
  private phase: Phase = "bound";
  /** The address bound through the port table (bind_literal()); NO_BINDING otherwise. */
  binding: Binding = NO_BINDING;

  constructor(private owner: EndpointOwner) {}

  retarget(owner: EndpointOwner): void {
    this.owner = owner;
  }

  /** listen(n): from now on connections queue for accept(), at most `n` + Linux's SYN backlog. */
  listen(backlog: number): void {
    this.phase = "listening";
    // Linux holds backlog+1 in the accept queue and lets further clients wait in the SYN queue,
    // retrying; the emulation holds those too, up to SOMAXCONN, instead of resetting them.
    this.limit = Math.max(backlog, 0) + 1 + SOMAXCONN;
  }

  /** listen() was called: SO_ACCEPTCONN. */
  get listening(): boolean {
    return this.phase === "listening";
  }

  /**
   * Readiness as Linux reports a stream socket's: bound but not listening, it is writable and
   * hung up (as a socket that is not connected); listening, readable while a connection waits.
   */
  poll_flags(): number {
    if (this.phase === "bound") return POLLOUT | POLLHUP;
    return this.queue.length > 0 ? POLLIN : 0;
  }

  /** The options a listener uses (SO_REUSEPORT, IPV6_V6ONLY) count at bind(); a later change is kept but moves no binding. */
  option_changed(): void {}

  take(): Connection | undefined {
    this.peers.shift();
    this.peers.shift();
    return this.queue.shift();
  }

  /** The peer's host (an AF_UNIX peer's "") of the connection take() gives next, as read when Node accepted it. */
  next_peer_host(): string | undefined {
    return this.peers[0] as string | undefined;
  }

  /** The peer's port, as next_peer_host(). */
  next_peer_port(): number {
    return (this.peers[1] as number | undefined) ?? 0;
  }

  /** Where Node bound a listener of its own (a host name, a cluster worker) once it has; null before. */
  node_address(): { address: string; port: number } | null {
    if (this.source.kind !== "server") return null;
    const a = this.source.server.address();
    return a !== null && typeof a === "object" ? a : null;
  }

  /**
   * Bind as Linux's bind() would: for a path or an IP literal the outcome, port or errno, is
   * known before this returns (PORTING.md, "bind() is synchronous").
   */
  bind(a: BindAddress): BindResult {
    if (a.kind === "path") return this.bind_path(a.path);
    const { family, options } = this.owner;
    const sharing = listener_sharing();
    const t: InetTarget = {
      version: family === AF_INET6 ? 6 : 4,
      host: a.host,
      port: a.port,
      v6only: family === AF_INET6 && options.v6only,
      reuseport: options.reuseport || sharing === "reuseport",
      cluster: sharing === "cluster",
    };
    if (t.cluster) {
      // The cluster's primary binds for every worker, later; errors arrive as the socket's error.
      this.own_server().listen({ host: t.host, port: t.port, backlog: SOMAXCONN, exclusive: false });
      return { ok: true, port: t.port === 0 ? null : t.port };
    }
    if (isIP(t.host) === 0) {
      // A name: Node looks it up, then binds; the address (or the failure) comes later.
      this.own_server().listen({ host: t.host, port: t.port, backlog: SOMAXCONN, exclusive: true });
      return { ok: true, port: null };
    }
    return this.bind_literal(t);
  }

  private bind_path(path: string): BindResult {
    // With a path Node binds before listen() returns (test/socket/node_assumptions.test.ts).
    const server = this.own_server();
    server.listen({ path, backlog: SOMAXCONN, exclusive: true });
    // address() gives a pipe's path even when listen failed; `listening` tells.
    if (server.listening) return { ok: true, port: null };
    if (existsSync(path)) return { ok: false, errno: EADDRINUSE };
    return { ok: false, errno: existsSync(dirname(path)) ? EACCES : ENOENT };
  }

  private bind_literal(t: InetTarget): BindResult {
    if (!is_local_host(t.host)) return { ok: false, errno: EADDRNOTAVAIL };
    this.binding = { version: t.version, host: t.host, v6only: t.v6only, reuseport: t.reuseport };
    const r = port_table.attach(this, t.port);
    if (!r.ok) {
      this.binding = NO_BINDING;
      return { ok: false, errno: r.errno === "in_use" ? EADDRINUSE : refused_errno(t.port) };
    }
    this.source = { kind: "port", detach: r.detach };
    return { ok: true, port: r.port };
  }

  private own_server(): Server {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    server.on("connection", (c: NodeSocket) => this.deliver(c));
    server.on("error", (e: Error & { syscall?: string }) => this.on_error(e));
    server.unref();
    this.source = { kind: "server", server };
    return server;
  }

  /** A connection Node accepted for this listener (Member: the port's server, or the listener's own). */
  deliver(c: NodeSocket): void {
    // The error listener comes first: the connection is ours from birth.
    const conn = new Connection(c, true);
    if (this.closed || this.phase !== "listening" || this.queue.length >= this.limit) {
      // Bound but not listening (or queue overflow): the kernel would refuse.
      reset_connection(c);
      return;
    }
    const family = this.owner.family;
    // Linux: the peer of an accepted AF_UNIX socket is unnamed.
    if (family === AF_UNIX) this.peers.push("", 0);
    else this.peers.push(peer_host(family, c.remoteAddress), c.remotePort ?? 0);
    this.queue.push(conn);
    if (this.queue.length === 1) this.owner._endpoint_changed();
    // Counted until Node's socket closes; the connection's own "close" listener uncounts it.
    const full = conn.count_descriptor();
    if (full !== 0) {
      // This connection took the last descriptor: until one is freed, libuv accepts and closes
      // new connections itself (its EMFILE trick) and Node is never told. PORTING.md, "The accept queue lives in the emulation".
      this.owner._endpoint_warn(`accept() failed: ${os_error(full).message}; new connections are closed until descriptors are freed; still listening`);
    }
  }

  /** Member: an accept failure on the port's server. */
  warn(e: Error): void {
    this.on_error(e);
  }

  private on_error(e: Error & { syscall?: string }): void {
    if (this.closed) return;
    if (e.syscall === "accept") {
      // libuv keeps the listening handle and backs off (its EMFILE trick); so do we.
      this.owner._endpoint_warn(`accept() failed: ${socket_error_from_node(e).message}; still listening`);
      return;
    }
    // A bind Node completed later (a host name, a cluster worker) failed.
    this.owner._endpoint_error(socket_error_from_node(e));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.queue) reset_connection(c.conn);
    this.queue = [];
    this.peers = [];
    const s = this.source;
    if (s.kind === "port") s.detach();
    else if (s.kind === "server") s.server.close();
  }
}

/** The binding of a listener that has none (not bound through the port table): never matched, never attached. */
const NO_BINDING: Binding = { version: 4, host: "", v6only: false, reuseport: false };

/** The errno of a bind Node refused without saying why yet (it tells on the next tick). */
function refused_errno(port: number): number {
  if (port > 0 && port < unprivileged_port_start() && getuid?.() !== 0) return EACCES;
  return EADDRINUSE;
}

function unprivileged_port_start(): number {
  try {
    return Number(readFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start", "latin1").trim()) || 1024;
  } catch {
    return 1024;
  }
}

/** A peer's host as python_address() writes it (unmapped; Node's undefined as the wildcard). */
function peer_host(family: number, host: string | undefined): string {
  return host === undefined ? (family === AF_INET6 ? "::" : "0.0.0.0") : family === AF_INET6 ? host : unmap_v4(host);
}

(Listener.prototype as { kind: string }).kind = "listener";
