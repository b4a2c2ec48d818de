// What a socket and its endpoint (a connection, a listener or a datagram endpoint) know of each other.
import type { OSError } from "../errno/index.js";
import type { OptionKey, SocketOptions } from "./options.js";

/**
 * What an endpoint tells the socket that owns it: the same few calls for every kind (ARCHITECTURE.md,
 * "The emulation"). The socket itself implements it (no owner object per socket), under names that
 * stay off its Python-shaped surface.
 */
export interface EndpointOwner {
  readonly family: number;
  /** The socket's options, read where they are used (SO_RCVBUF as data arrives, SO_SNDBUF at send, …). */
  readonly options: SocketOptions;
  /** Readiness may have changed: whoever waits on the socket re-reads poll_flags(). */
  _endpoint_changed(): void;
  /** An error the socket keeps until it is reported once (SO_ERROR, or the next call that can fail). */
  _endpoint_error(err: OSError): void;
  /** A failure that must not take the endpoint down (an accept() that failed): logged, not raised. */
  _endpoint_warn(message: string): void;
}

/** What a socket asks of its endpoint. */
export interface Endpoint {
  /** Readiness as Linux's poll() would report it, apart from POLLERR: the socket keeps the pending error. */
  poll_flags(): number;
  /** setsockopt() stored a new value for `key`: apply it where Node can, now. */
  option_changed(key: OptionKey): void;
  /** Another socket now owns this endpoint (the ssl layer's wrap: socket._move_to). */
  retarget(owner: EndpointOwner): void;
}
