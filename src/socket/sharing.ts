// Whether this process's listening TCP sockets share their port with other processes (one server on every core).
import { ENOPROTOOPT, OSError } from "../errno/index.js";

/**
 * - "none": each bind is the socket's own, as on Linux by default;
 * - "reuseport": every listening socket gets SO_REUSEPORT, and the kernel spreads connections;
 * - "cluster": node:cluster's primary holds the listening socket and hands connections to workers
 *   (for Node releases without `reusePort`; binds then complete after bind() returns).
 */
export type ListenerSharing = "none" | "reuseport" | "cluster";

let sharing: ListenerSharing = "none";

export function set_listener_sharing(mode: ListenerSharing): void {
  if (mode === "reuseport") check_reuseport();
  sharing = mode;
}

export function listener_sharing(): ListenerSharing {
  return sharing;
}

/** Node's listen() and dgram take `reusePort` from 22.12 (and 23.1) on. */
export const REUSEPORT_NODE = "22.12";

export function reuseport_supported(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/** SO_REUSEPORT on a Node that cannot set it: ENOPROTOOPT, saying which Node can. */
export function check_reuseport(): void {
  if (!reuseport_supported()) {
    throw new OSError(
      ENOPROTOOPT,
      `Protocol not available (SO_REUSEPORT needs Node.js ${REUSEPORT_NODE} or later; this is ${process.versions.node})`,
    );
  }
}
