// socket.create_server, create_connection and socketpair: Python's helpers, in the forms Node allows.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EINPROGRESS, EOPNOTSUPP, OSError, TimeoutError, ValueError, os_error } from "../errno/index.js";
import type { Address } from "./address.js";
import {
  AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC, IPPROTO_IPV6, IPV6_V6ONLY, SOCK_STREAM, SOL_SOCKET, SO_ERROR,
  SO_REUSEADDR, SO_REUSEPORT,
} from "./constants.js";
import { getaddrinfo } from "./functions.js";
import { POLLERR, POLLHUP, POLLIN, POLLOUT } from "./readiness.js";
import { socket } from "./socket.js";

/** Python's repr of an address, for create_server's message: ('127.0.0.1', 8021). */
function repr_address(a: Address): string {
  if (typeof a === "string") return `'${a}'`;
  return `(${a.map((x) => (typeof x === "string" ? `'${x}'` : String(x))).join(", ")})`;
}

export interface CreateServerOptions {
  family?: number;
  backlog?: number | null;
  reuse_port?: boolean;
  dualstack_ipv6?: boolean;
}

/**
 * Python's `socket.create_server(address, *, family=AF_INET, backlog=None, reuse_port=False,
 * dualstack_ipv6=False)`: a listening socket, bound and listening when it returns (bind() is
 * synchronous for IP literals and hosts-file names). SO_REUSEADDR is set; a failed bind raises
 * OSError "<strerror> (while attempting to bind on address (…))" as Python's. The socket is
 * non-blocking, as every socket here is.
 */
export function create_server(address: Address, opts: CreateServerOptions = {}): socket {
  const family = opts.family ?? AF_INET;
  if (opts.dualstack_ipv6 && family !== AF_INET6) throw new ValueError("dualstack_ipv6 requires AF_INET6 family");
  const sock = new socket(family, SOCK_STREAM);
  try {
    try {
      sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    } catch (e) {
      if (!(e instanceof OSError)) throw e;
    }
    if (opts.reuse_port) sock.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
    if (family === AF_INET6) sock.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, opts.dualstack_ipv6 ? 0 : 1);
    try {
      sock.bind(address);
    } catch (e) {
      if (!(e instanceof OSError)) throw e;
      throw os_error(e.errno ?? 0, `${e.strerror} (while attempting to bind on address ${repr_address(address)})`);
    }
    if (opts.backlog === null || opts.backlog === undefined) sock.listen();
    else sock.listen(opts.backlog);
    return sock;
  } catch (e) {
    sock.close();
    throw e;
  }
}

/** Python's `socket.has_dualstack_ipv6()`: Linux sockets take IPV6_V6ONLY=0. */
export function has_dualstack_ipv6(): boolean {
  return true;
}

/**
 * Resolves once `sock` reports any of `mask` (or an error or hang-up); TimeoutError "timed out"
 * after `timeout` seconds (null: no limit).
 */
function ready(sock: socket, mask: number, timeout: number | null): Promise<number> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const watcher = { changed: () => void check() };
    const finish = () => {
      sock.unwatch(watcher);
      clearTimeout(timer);
    };
    const check = (): boolean => {
      const flags = sock.poll_flags();
      if ((flags & (mask | POLLERR | POLLHUP)) === 0) return false;
      finish();
      resolve(flags);
      return true;
    };
    if (check()) return;
    sock.watch(watcher);
    if (timeout !== null) {
      timer = setTimeout(() => {
        finish();
        reject(new TimeoutError(null, "timed out"));
      }, timeout * 1000);
    }
  });
}

/** Binds `source_address` if given, then starts the non-blocking connect (0 or EINPROGRESS). */
function start_connect(family: number, type: number, proto: number, sockaddr: Address, source?: Address | null): socket {
  const sock = new socket(family, type, proto);
  try {
    if (source != null) sock.bind(source);
    const err = sock.connect_ex(sockaddr);
    if (err !== 0 && err !== EINPROGRESS) throw os_error(err);
    return sock;
  } catch (e) {
    sock.close();
    throw e;
  }
}

/**
 * Python's `socket.create_connection(address, timeout, source_address)` without the wait: the
 * address is resolved synchronously (see getaddrinfo), the first answer's socket is made and its
 * connect started, and the socket is returned at once, still connecting, as a non-blocking
 * connect leaves it. A dispatcher or select() sees it become writable when connected; a refused
 * connection shows in SO_ERROR and the next recv/send. `timeout` is kept on the socket. For the
 * wait itself (Python's blocking behaviour, every address tried in turn), await
 * `create_connection_async`.
 */
export function create_connection(
  address: readonly [string, number],
  timeout?: number | null,
  source_address?: Address | null,
): socket {
  const [host, port] = address;
  const infos = getaddrinfo(host, port, AF_UNSPEC, SOCK_STREAM);
  const [family, type, proto, , sockaddr] = infos[0]!;
  const sock = start_connect(family, type, proto, sockaddr, source_address);
  if (timeout !== undefined) sock.settimeout(timeout);
  return sock;
}

/**
 * create_connection with Python's wait: resolves to the connected socket, trying each address
 * getaddrinfo gives in turn and rejecting with the last error (ConnectionRefusedError …), or
 * TimeoutError "timed out" when one attempt takes longer than `timeout` seconds.
 */
export async function create_connection_async(
  address: readonly [string, number],
  timeout?: number | null,
  source_address?: Address | null,
): Promise<socket> {
  const [host, port] = address;
  let last: unknown = new OSError(null, "getaddrinfo returns an empty list");
  for (const [family, type, proto, , sockaddr] of getaddrinfo(host, port, AF_UNSPEC, SOCK_STREAM)) {
    let sock: socket | null = null;
    try {
      sock = start_connect(family, type, proto, sockaddr, source_address);
      await ready(sock, POLLOUT, timeout ?? null);
      const err = sock.getsockopt(SOL_SOCKET, SO_ERROR) as number;
      if (err !== 0) throw os_error(err);
      if (timeout !== undefined) sock.settimeout(timeout);
      return sock;
    } catch (e) {
      sock?.close();
      last = e;
    }
  }
  throw last;
}

/**
 * Python's `socket.socketpair(family=AF_UNIX, type=SOCK_STREAM, proto=0)`, as a promise of the
 * connected pair: Node has no socketpair(2) and no synchronous connect, so the pair is made over
 * a listener on a fresh AF_UNIX path in the temp directory, which is closed and removed before
 * the promise resolves (`const [a, b] = await socket.socketpair()`). Unlike Python's unnamed
 * pair, getsockname() on one end shows that (removed) path. Only AF_UNIX SOCK_STREAM, as on
 * Linux; other families raise OSError EOPNOTSUPP like CPython's.
 */
export function socketpair(family: number = AF_UNIX, type: number = SOCK_STREAM, proto = 0): Promise<[socket, socket]> {
  if (family !== AF_UNIX) throw os_error(EOPNOTSUPP);
  if (type !== SOCK_STREAM) throw os_error(EOPNOTSUPP);
  const dir = mkdtempSync(join(tmpdir(), "asyncore-ts-pair-"));
  const path = join(dir, "s");
  const listener = new socket(AF_UNIX, SOCK_STREAM, proto);
  let client: socket | null = null;
  const cleanup = () => {
    listener.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    listener.bind(path);
    listener.listen(1);
    client = start_connect(AF_UNIX, SOCK_STREAM, proto, path);
  } catch (e) {
    cleanup();
    throw e;
  }
  const c = client;
  return (async (): Promise<[socket, socket]> => {
    let server: socket | null = null;
    try {
      await ready(listener, POLLIN, 10);
      [server] = listener.accept();
      await ready(c, POLLOUT, 10);
      const err = c.getsockopt(SOL_SOCKET, SO_ERROR) as number;
      if (err !== 0) throw os_error(err);
      return [c, server];
    } catch (e) {
      c.close();
      server?.close();
      throw e;
    } finally {
      cleanup();
    }
  })();
}
