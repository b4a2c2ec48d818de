// The ssl layer: Python's ssl module for this package's sockets, on node:tls.
export * from "./constants.js";
export {
  SSLError, SSLZeroReturnError, SSLWantReadError, SSLWantWriteError, SSLSyscallError, SSLEOFError,
  SSLCertVerificationError, CertificateError,
} from "./errors.js";
export {
  SSLContext, create_default_context, type Password, type WrapOptions, type VerifyLocations,
} from "./context.js";
export { SSLSocket } from "./ssl_socket.js";
export type { PeerCertDict, RDN } from "./peer_cert.js";
