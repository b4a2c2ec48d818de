// Per-socket options that the emulation reads at use time (SO_SNDBUF and friends).
import { DEFAULT_RCVBUF, DEFAULT_SNDBUF } from "./constants.js";

export interface SocketOptions {
  sndbuf: number;
  rcvbuf: number;
  nodelay: boolean;
  keepalive: boolean;
  reuseaddr: boolean;
  reuseport: boolean;
  /** SO_LINGER: null when off; 0 means close() resets the connection. */
  linger: number | null;
  v6only: boolean;
}

export function default_options(): SocketOptions {
  return {
    sndbuf: DEFAULT_SNDBUF,
    rcvbuf: DEFAULT_RCVBUF,
    nodelay: false,
    keepalive: false,
    reuseaddr: false,
    reuseport: false,
    linger: null,
    v6only: false,
  };
}
