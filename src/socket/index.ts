// The socket layer: Python's non-blocking socket emulated over Node's net and dgram.
export * from "./constants.js";
export { socket, type WarningSink } from "./socket.js";
export { as_buffer, type BytesLike } from "./bytes.js";
export { type Address, type Inet4Address, type Inet6Address, format_address } from "./address.js";
export { gaierror } from "./errors.js";
export {
  set_listener_sharing, listener_sharing, reuseport_supported, REUSEPORT_NODE, type ListenerSharing,
} from "./sharing.js";
export {
  Pollable, type Watcher, POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDNORM,
  POLLRDBAND, POLLWRNORM, POLLWRBAND, POLLMSG, POLLRDHUP,
} from "./readiness.js";
export { allocate_fd, release_fd, lookup_fd } from "./fd_table.js";
export {
  OSError, BlockingIOError, ConnectionError, BrokenPipeError, ConnectionAbortedError,
  ConnectionRefusedError, ConnectionResetError, TimeoutError, OverflowError,
} from "../errno/index.js";
/** Python's `socket.error` is OSError. */
export { OSError as error } from "../errno/index.js";
/** Python's `socket.timeout` is TimeoutError. */
export { TimeoutError as timeout } from "../errno/index.js";
export {
  htons, ntohs, htonl, ntohl, inet_aton, inet_ntoa, inet_pton, inet_ntop, getservbyname, getaddrinfo,
  gethostbyname, gethostbyaddr, gethostname, getfqdn, herror, type AddrInfo,
} from "./functions.js";
export {
  create_server, create_connection, create_connection_async, socketpair, has_dualstack_ipv6,
  type CreateServerOptions,
} from "./create.js";
