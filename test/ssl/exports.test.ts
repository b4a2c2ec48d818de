// The ssl layer's entry points: the package's ./ssl subpath and the root's ssl namespace.
import { expect } from "chai";
import * as root from "asyncore-ts";
import * as ssl from "asyncore-ts/ssl";
import * as socket from "asyncore-ts/socket";

describe("ssl entry points", () => {
  it("asyncore-ts/ssl is the root's ssl namespace, and an SSLSocket is a socket", () => {
    expect(root.ssl.SSLContext).to.equal(ssl.SSLContext);
    expect(Object.getPrototypeOf(ssl.SSLSocket.prototype)).to.equal(socket.socket.prototype);
  });

  it("has the names of CPython 3.11's ssl that the layer offers", () => {
    for (const name of [
      "SSLContext", "SSLSocket", "create_default_context", "SSLError", "SSLZeroReturnError", "SSLWantReadError",
      "SSLWantWriteError", "SSLSyscallError", "SSLEOFError", "SSLCertVerificationError", "CertificateError",
      "PROTOCOL_TLS", "PROTOCOL_TLS_CLIENT", "PROTOCOL_TLS_SERVER", "CERT_NONE", "CERT_OPTIONAL", "CERT_REQUIRED",
      "TLSVersion", "Purpose", "OP_ALL", "OP_NO_TLSv1_3", "SSL_ERROR_WANT_READ", "SSL_ERROR_EOF", "HAS_SNI", "HAS_ALPN",
      "OPENSSL_VERSION", "OPENSSL_VERSION_INFO", "OPENSSL_VERSION_NUMBER",
    ]) {
      expect(ssl, name).to.have.property(name);
    }
  });
});
