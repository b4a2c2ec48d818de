// This process's TCP ports: one Node server per port, bound at once on every address, and the bindings that share it as Linux's bind table would.
import { createServer, isIP, type Server, type Socket as NodeSocket } from "node:net";
import { unmap_v4 } from "./address.js";
import { SOMAXCONN } from "./constants.js";

/** One bound TCP address of this process (an emulated listening socket). */
export interface Binding {
  readonly version: 4 | 6;
  /** An IP literal as Node writes it: "0.0.0.0" and "::" are the wildcards. */
  readonly host: string;
  readonly v6only: boolean;
  readonly reuseport: boolean;
}

/** What a binding does with a connection made to its address. */
export interface Member {
  readonly binding: Binding;
  deliver(c: NodeSocket): void;
  /** An accept failure (EMFILE…) on the port's server: Node keeps listening. */
  warn(e: Error): void;
}

/** How well a binding matches a connection's local address, as Linux ranks listeners; 0: not at all. */
function rank(b: Binding, host: string, version: number): number {
  if (b.host === host) return 3;
  if (b.host === "0.0.0.0") return version === 4 ? 2 : 0;
  if (b.host === "::") return version === 6 ? 2 : version === 4 && !b.v6only ? 1 : 0;
  return 0;
}

/** Linux's rule for two listening sockets on one port: their addresses overlap, and not both set SO_REUSEPORT. */
function clash(a: Binding, b: Binding): boolean {
  if (a.reuseport && b.reuseport) return false;
  return rank(a, b.host, b.version) > 0 || rank(b, a.host, a.version) > 0;
}

const PORT = Symbol("port");
type TaggedServer = Server & { [PORT]?: Port };

class Port {
  readonly members: Member[] = [];
  /** Round-robin among an SO_REUSEPORT group. */
  private turn = 0;

  constructor(
    readonly server: Server,
    readonly port: number,
  ) {
    // route() is the listener itself, finding this Port on its server (no closure between them:
    // one function fewer for V8 to compile on the per-connection path).
    (server as TaggedServer)[PORT] = this;
    server.on("connection", Port.route);
    server.on("error", (e: Error & { syscall?: string }) => {
      if (e.syscall === "accept") for (const m of this.members) m.warn(e);
    });
  }

  /**
   * The local address (as Node gives it) of the last connection the port's sole binding took:
   * a binding's address never changes, so another connection to the same address goes to it
   * without ranking again. Null while the port has several bindings or none yet took one.
   */
  private sole_raw: string | null = null;

  /** The port's bindings changed: the next connection is ranked again. */
  members_changed(): void {
    this.sole_raw = null;
  }

  /** The server's "connection" listener (`this` is the server): hand a connection to the binding that owns its local address, or refuse it. */
  private static route(this: Server, c: NodeSocket): void {
    const p = (this as TaggedServer)[PORT] as Port;
    const raw = c.localAddress ?? "";
    if (raw === p.sole_raw) {
      // As pick() would find: the sole binding (the turn still advances, as for a group of one).
      p.turn++;
      p.members[0]!.deliver(c);
      return;
    }
    const m = p.pick(raw);
    if (m === undefined) {
      // No socket of ours is bound to that address: the kernel would have refused it.
      c.on("error", () => undefined);
      c.resetAndDestroy();
      return;
    }
    m.deliver(c);
  }

  /** The binding that owns local address `raw` (Node's form), as Linux ranks listeners; the turn advances for a group. */
  private pick(raw: string): Member | undefined {
    const host = unmap_v4(raw);
    const mapped = host !== raw;
    const version = mapped ? 4 : isIP(host);
    const members = this.members;
    if (members.length === 1) {
      // The usual port, bound once: no group to gather.
      const only = members[0]!;
      if (rank_for(only, host, version, mapped) === 0) return undefined;
      this.sole_raw = raw;
      this.turn++;
      return only;
    }
    let best = 0;
    let group: Member[] = [];
    for (const x of members) {
      const r = rank_for(x, host, version, mapped);
      if (r > best) {
        best = r;
        group = [x];
      } else if (r === best && r > 0) group.push(x);
    }
    return group.length === 0 ? undefined : group[this.turn++ % group.length];
  }
}

/** rank() for a connection to `host`: a v4-mapped connection reaches an AF_INET6 socket only through the dual-stack wildcard. */
function rank_for(m: Member, host: string, version: number, mapped: boolean): number {
  return mapped && m.binding.version === 6 ? rank(m.binding, "", 4) : rank(m.binding, host, version);
}

const ports = new Map<number, Port>();

export type Attached = { readonly ok: true; readonly port: number; detach(): void } | { readonly ok: false; readonly errno: "in_use" | "refused" };

export const port_table = {
  /**
   * Bind `member` to `port` (0: a free one). The port's server listens on every address, which
   * Node binds before listen() returns (test/socket/node_assumptions.test.ts); this process's
   * bindings then share it and each connection goes to the one its address belongs to.
   * See PORTING.md, "bind() is synchronous".
   */
  attach(member: Member, port: number): Attached {
    const b = member.binding;
    let p = port > 0 ? ports.get(port) : undefined;
    if (p !== undefined && p.members.some((m) => clash(m.binding, b))) return { ok: false, errno: "in_use" };
    if (p === undefined) {
      const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
      // A refused listen's 'error' comes on the next tick; the answer is read from `listening`.
      server.once("error", () => undefined);
      server.listen({ port, backlog: SOMAXCONN, exclusive: true, ...(b.reuseport ? { reusePort: true } : {}) });
      const a = server.address();
      if (!server.listening || a === null || typeof a === "string") {
        server.close();
        return { ok: false, errno: "refused" };
      }
      server.unref();
      p = new Port(server, a.port);
      ports.set(p.port, p);
    }
    const at = p;
    at.members.push(member);
    at.members_changed();
    return {
      ok: true,
      port: at.port,
      detach: () => {
        const i = at.members.indexOf(member);
        if (i < 0) return;
        at.members.splice(i, 1);
        at.members_changed();
        if (at.members.length === 0) {
          ports.delete(at.port);
          at.server.close();
        }
      },
    };
  },
};
