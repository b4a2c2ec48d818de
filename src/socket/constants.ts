// The socket module's constants, with Linux's values.
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_UNSPEC = 0;

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
/** Only as getaddrinfo's third kind of answer: raw sockets cannot be made. */
export const SOCK_RAW = 3;

export const SOL_SOCKET = 1;
export const IPPROTO_IP = 0;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;

export const SO_REUSEADDR = 2;
export const SO_TYPE = 3;
export const SO_ERROR = 4;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_KEEPALIVE = 9;
/** Accepted and stored; Node cannot set it on the kernel socket (PORTING.md, "Urgent data"). */
export const SO_OOBINLINE = 10;
export const SO_LINGER = 13;
export const SO_REUSEPORT = 15;
export const SO_ACCEPTCONN = 30;
export const TCP_NODELAY = 1;
export const IPV6_V6ONLY = 26;

export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;

export const MSG_OOB = 1;
export const MSG_PEEK = 2;
export const MSG_DONTWAIT = 0x40;

export const SOMAXCONN = 4096;

/** getaddrinfo's flags (glibc values). */
export const AI_PASSIVE = 1;
export const AI_CANONNAME = 2;
export const AI_NUMERICHOST = 4;
export const AI_V4MAPPED = 8;
export const AI_ALL = 16;
export const AI_ADDRCONFIG = 32;
export const AI_NUMERICSERV = 1024;

/** Default emulated buffer sizes (bytes); SO_SNDBUF/SO_RCVBUF change them per socket. */
export const DEFAULT_SNDBUF = 262144;
export const DEFAULT_RCVBUF = 131072;

export const has_ipv6 = true;
