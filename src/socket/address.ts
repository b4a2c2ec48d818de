// Socket addresses as Python writes them ([host, port], [host, port, flow, scope], a path) and their checks.
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import { OSError, OverflowError } from "../errno/index.js";
import { AF_INET, AF_INET6, AF_UNIX } from "./constants.js";
import { py_type } from "./bytes.js";
import { gaierror } from "./errors.js";
import { hosts_address } from "./hosts.js";

export type Inet4Address = readonly [host: string, port: number];
export type Inet6Address = readonly [host: string, port: number, flowinfo: number, scope_id: number];
/** A Python address: `[host, port]`, `[host, port, flowinfo, scope_id]`, or an AF_UNIX path. */
export type Address = Inet4Address | Inet6Address | readonly [string, number, number?, number?] | string;

/** A checked internet address: the host Node should use and the port. */
export interface InetTarget {
  readonly host: string;
  readonly port: number;
}

function family_name(family: number): string {
  return family === AF_INET ? "AF_INET" : family === AF_INET6 ? "AF_INET6" : "AF_UNIX";
}

/**
 * Check an address for a family and turn it into host/port, as Python's argument parsing does.
 * `binding` is true for bind(), false for connect(); or the name of the calling method, which
 * Python's messages start with ("sendto(): port must be 0-65535.").
 */
export function inet_target(family: number, address: unknown, binding: boolean | string): InetTarget {
  const caller = typeof binding === "string" ? binding : binding ? "bind" : "connect";
  if (!Array.isArray(address)) {
    throw new TypeError(`${caller}(): ${family_name(family)} address must be tuple, not ${py_type(address)}`);
  }
  const max = family === AF_INET6 ? 4 : 2;
  if (address.length < 2 || address.length > max) {
    throw new TypeError(
      family === AF_INET6
        ? "AF_INET6 address must be a tuple (host, port[, flowinfo[, scopeid]])"
        : "AF_INET address must be a pair (host, port)",
    );
  }
  const [host, port] = address as unknown[];
  if (typeof host !== "string") throw new TypeError(`str, bytes or bytearray expected, not ${py_type(host)}`);
  if (typeof port !== "number" || !Number.isInteger(port)) {
    throw new TypeError(`'${py_type(port)}' object cannot be interpreted as an integer`);
  }
  if (port < 0 || port > 65535) throw new OverflowError(`${caller}(): port must be 0-65535.`);
  return { host: node_host(family, host, caller === "bind"), port };
}

function node_host(family: number, host: string, binding: boolean): string {
  if (host === "" || host === "<any>") return family === AF_INET6 ? "::" : "0.0.0.0";
  if (host === "<broadcast>") return "255.255.255.255";
  const kind = isIP(host);
  // A name the hosts file lists is answered from it, as getaddrinfo would, so bind() stays synchronous.
  if (kind === 0) return hosts_address(host, family === AF_INET6 ? 6 : 4) ?? host;
  if (kind !== 0 && kind !== (family === AF_INET6 ? 6 : 4) && binding) {
    throw new gaierror(-9, "Address family for hostname not supported");
  }
  return host;
}

/**
 * An AF_UNIX address as Node takes it. As CPython's getsockaddrarg, the path's bytes (a str in
 * UTF-8) must fit sun_path (108 bytes) with room for a NUL, except an abstract name ("\0…"),
 * which may fill it; otherwise OSError("AF_UNIX path too long"), before any system call, so
 * bind() creates no file and connect()/connect_ex() raise rather than return an errno.
 */
export function unix_path(address: unknown): string {
  let path: string;
  let size: number;
  if (typeof address === "string") {
    path = address;
    size = Buffer.byteLength(address, "utf8");
  } else if (Buffer.isBuffer(address)) {
    path = address.toString("latin1");
    size = address.length;
  } else {
    throw new TypeError(`a bytes-like object is required, not '${py_type(address)}'`);
  }
  const abstract = path.startsWith("\0");
  if (abstract ? size > SUN_PATH_SIZE : size >= SUN_PATH_SIZE) throw new OSError(null, "AF_UNIX path too long");
  return path;
}

/** sizeof(struct sockaddr_un.sun_path) on Linux. */
const SUN_PATH_SIZE = 108;

/** The last mapped address and its IPv4 form: peers and local names repeat, and one string serves them all. */
let last_mapped = "";
let last_v4 = "";
/** An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) as its IPv4 address; any other host as it is. */
export function unmap_v4(host: string): string {
  if (!host.startsWith("::ffff:")) return host;
  if (host === last_mapped) return last_v4;
  const v4 = host.slice(7);
  if (isIP(v4) !== 4) return host;
  last_mapped = host;
  last_v4 = v4;
  return v4;
}

/** Node's view of an address turned into the Python tuple for `family`. */
export function python_address(family: number, host: string | undefined, port: number | undefined): Address {
  if (family === AF_UNIX) return host ?? "";
  if (family === AF_INET6) return [host ?? "::", port ?? 0, 0, 0];
  // An IPv4 connection taken by a port's dual-stack server (port_table.ts) shows mapped addresses.
  return [host === undefined ? "0.0.0.0" : unmap_v4(host), port ?? 0];
}

/** Whether a host is one of this machine's addresses (or a wildcard), for bind's errno. */
export function is_local_host(host: string): boolean {
  if (host === "0.0.0.0" || host === "::") return true;
  // Linux routes all of 127.0.0.0/8 to the loopback interface, so any of it can be bound.
  if (isIP(host) === 4 && host.startsWith("127.")) return true;
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) if (info.address === host) return true;
  }
  return false;
}

/** "host:port" for repr, as asyncore prints it. */
export function format_address(a: Address | null | undefined): string {
  if (a == null) return "";
  if (typeof a === "string") return a;
  return `${a[0]}:${a[1]}`;
}

