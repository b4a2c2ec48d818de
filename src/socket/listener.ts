// A listening socket's accept queue, kept in the emulation because Node accepts eagerly.
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { isIP, type Server, type Socket as NodeSocket, type ListenOptions } from "node:net";
import { getuid } from "node:process";
import {
  EACCES, EADDRINUSE, EADDRNOTAVAIL, ENOENT, type OSError,
} from "../errno/index.js";
import { Connection, reset_connection } from "./connection.js";
import { dns_module, literal_lookup } from "./lookup.js";
import { is_local_host, socket_error_from_node } from "./address.js";
import { SOMAXCONN } from "./constants.js";

/** What a listener tells the socket that owns it. */
export interface ListenerOwner {
  listener_changed(): void;
  listener_error(err: OSError): void;
  /** An accept failure (EMFILE…) that must not take the listener down. */
  listener_warning(message: string): void;
}

type Phase = "bound" | "listening";

export class Listener {
  /** Accepted by Node, waiting for accept(); at most a few thousand, so shift() is cheap. */
  private queue: Connection[] = [];
  private limit = 0;
  /** close() was called: Node's late events (a failed listen's 'error') no longer reach the owner. */
  private closed = false;
  phase: Phase = "bound";

  constructor(
    readonly server: Server,
    private readonly owner: ListenerOwner,
  ) {
    server.on("connection", (c: NodeSocket) => this.on_connection(c));
    server.on("error", (e: Error & { syscall?: string }) => this.on_error(e));
    server.unref();
  }

  /** listen(n): from now on connections queue for accept(), at most `n` + Linux's SYN backlog. */
  listen(backlog: number): void {
    this.phase = "listening";
    // Linux holds backlog+1 in the accept queue and lets further clients wait in the SYN queue,
    // retrying; the emulation holds those too, up to SOMAXCONN, instead of resetting them.
    this.limit = Math.max(backlog, 0) + 1 + SOMAXCONN;
  }

  get pending(): number {
    return this.queue.length;
  }

  take(): Connection | undefined {
    return this.queue.shift();
  }

  private on_connection(c: NodeSocket): void {
    // The error listener comes first: the connection is ours from birth.
    const conn = new Connection(c, true);
    if (this.closed || this.phase !== "listening" || this.pending >= this.limit) {
      // Bound but not listening (or queue overflow): the kernel would refuse.
      reset_connection(c);
      return;
    }
    this.queue.push(conn);
    if (this.pending === 1) this.owner.listener_changed();
  }

  private on_error(e: Error & { syscall?: string }): void {
    if (this.closed) return;
    if (e.syscall === "accept") {
      // libuv keeps the listening handle and backs off (its EMFILE trick); so do we.
      this.owner.listener_warning(`accept() failed: ${socket_error_from_node(e).message}; still listening`);
      return;
    }
    this.owner.listener_error(socket_error_from_node(e));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.queue) reset_connection(c.conn);
    this.queue = [];
    if (this.server.listening) this.server.close();
  }
}


/**
 * Node binds and listens inside listen() but looks the host up first, asynchronously, even for
 * an IP literal. With the lookup answered in place, bind happens now and address() is known at
 * once: the port-0 pattern works synchronously (see PORTING.md, "bind is synchronous").
 * Returns null on success, or the errno bind would have failed with.
 */
export function listen_now(server: Server, opts: ListenOptions & { path?: string }): number | null {
  if (opts.path !== undefined) {
    server.listen({ path: opts.path, backlog: opts.backlog });
    // address() gives a pipe's path even when listen failed; `listening` tells.
    if (server.listening) return null;
    if (existsSync(opts.path)) return EADDRINUSE;
    return existsSync(dirname(opts.path)) ? EACCES : ENOENT;
  }
  const host = opts.host ?? "0.0.0.0";
  const original = dns_module.lookup;
  dns_module.lookup = literal_lookup;
  try {
    server.listen(opts);
  } finally {
    dns_module.lookup = original;
  }
  // A host name is still being looked up: its bind, or its failure (a socket error), comes later.
  if (server.listening || isIP(host) === 0) return null;
  // Node reports why only on the next tick; the cause is known from the address.
  if (!is_local_host(host)) return EADDRNOTAVAIL;
  if ((opts.port ?? 0) > 0 && (opts.port ?? 0) < 1024 && getuid?.() !== 0) return EACCES;
  return EADDRINUSE;
}
