// A UDP endpoint over node:dgram: a bounded receive queue of datagrams, sends that never wait.
import { createSocket, type Socket as UdpSocket, type RemoteInfo } from "node:dgram";
import { type OSError } from "../errno/index.js";
import { python_address, type Address } from "./address.js";
import { socket_error_from_node } from "./errors.js";
import { AF_INET6 } from "./constants.js";
import type { Endpoint, EndpointOwner } from "./endpoint.js";
import { literal_lookup } from "./lookup.js";
import { POLLIN, POLLOUT } from "./readiness.js";

/** connect()'s peer: the default destination and the only source accepted. */
interface Peer {
  readonly host: string;
  readonly port: number;
}

interface Datagram {
  readonly data: Buffer;
  readonly from: Address;
}

export class DatagramEndpoint implements Endpoint {
  /** The socket's stage this endpoint stands for: on the prototype, not a field of each DatagramEndpoint. */
  declare readonly kind: "datagram";
  readonly udp: UdpSocket;
  private queue: Datagram[] = [];
  private queued_bytes = 0;
  #peer: Peer | null = null;

  constructor(
    private owner: EndpointOwner,
    host: string,
    port: number,
  ) {
    this.udp = createSocket({
      type: owner.family === AF_INET6 ? "udp6" : "udp4",
      lookup: literal_lookup as never,
      reuseAddr: owner.options.reuseaddr,
      ipv6Only: owner.options.v6only,
      ...(owner.options.reuseport ? { reusePort: true } : {}),
    });
    this.udp.on("message", (msg: Buffer, rinfo: RemoteInfo) => this.on_message(msg, rinfo));
    this.udp.on("error", (e: Error) => {
      const err = socket_error_from_node(e);
      if (this.binding) this.bind_error = err;
      else if (!this.closed) this.owner._endpoint_error(err);
    });
    // With the lookup answered in place, Node binds now and emits a bind failure synchronously.
    this.binding = true;
    // exclusive: in a cluster worker a UDP socket is its own, not the primary's (bound later).
    this.udp.bind({ port, address: host, exclusive: true });
    this.binding = false;
    this.udp.unref();
    if (this.bind_error) {
      this.close();
      throw this.bind_error;
    }
  }

  private binding = false;
  private bind_error: OSError | null = null;
  private closed = false;

  get peer(): Peer | null {
    return this.#peer;
  }

  /** connect(): send there by default, and take datagrams only from there. */
  connect(host: string, port: number): void {
    this.#peer = { host, port };
  }

  bound_address(): Address {
    const a = this.udp.address();
    return python_address(this.owner.family, a.address, a.port);
  }

  private on_message(msg: Buffer, rinfo: RemoteInfo): void {
    const peer = this.#peer;
    if (peer && (rinfo.address !== peer.host || rinfo.port !== peer.port)) return;
    // A full receive buffer drops datagrams, as the kernel does.
    if (this.queued_bytes + msg.length > this.owner.options.rcvbuf) return;
    this.queue.push({ data: msg, from: python_address(this.owner.family, rinfo.address, rinfo.port) });
    this.queued_bytes += msg.length;
    if (this.queue.length === 1) this.owner._endpoint_changed();
  }

  /** Readiness as Linux's udp_poll() reports it: always writable (sends never wait), readable while a datagram waits. */
  retarget(owner: EndpointOwner): void {
    this.owner = owner;
  }

  poll_flags(): number {
    return this.queue.length > 0 ? POLLIN | POLLOUT : POLLOUT;
  }

  /**
   * The options a UDP socket uses count when it is made (SO_REUSEADDR, SO_REUSEPORT,
   * IPV6_V6ONLY: bind() happens then) or are read as datagrams arrive (SO_RCVBUF).
   */
  option_changed(): void {}

  /** The next datagram, cut to n bytes (the rest is lost, as with recvfrom), or null. */
  receive(n: number, peek: boolean): Datagram | null {
    const d = this.queue[0];
    if (d === undefined) return null;
    if (!peek) {
      this.queue.shift();
      this.queued_bytes -= d.data.length;
    }
    return d.data.length > n ? { data: d.data.subarray(0, n), from: d.from } : d;
  }

  /** The largest UDP payload: 65535 minus the IP and UDP headers. */
  get max_payload(): number {
    return this.owner.family === AF_INET6 ? 65527 : 65507;
  }

  send(data: Buffer, host: string, port: number): void {
    this.udp.send(data, port, host, (e) => {
      if (e) this.owner._endpoint_error(socket_error_from_node(e));
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.queued_bytes = 0;
    this.udp.close();
  }
}

(DatagramEndpoint.prototype as { kind: string }).kind = "datagram";
