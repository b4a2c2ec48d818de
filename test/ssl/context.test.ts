// SSLContext: CPython 3.11's defaults, the verify_mode/check_hostname interplay, and its errors for bad arguments.
import { expect } from "chai";
import * as ssl from "../../src/ssl/index.js";
import { FileNotFoundError, NotImplementedError, ValueError } from "../../src/errno/index.js";
import { AF_INET, SOCK_DGRAM, socket } from "../../src/socket/index.js";
import { FAMILIES } from "../helpers/net.js";
import { cert_path, client_context, server_context, socket_pair } from "../helpers/tls.js";

describe("ssl SSLContext: CPython's defaults", () => {
  it("PROTOCOL_TLS_CLIENT verifies and checks host names; PROTOCOL_TLS_SERVER and PROTOCOL_TLS do not", () => {
    const c = new ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT);
    expect([c.protocol, c.verify_mode, c.check_hostname, c.options, c.minimum_version, c.maximum_version, c.verify_flags])
      .to.deep.equal([16, 2, true, 2186412112, 771, -1, 32768]);
    const s = new ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER);
    expect([s.protocol, s.verify_mode, s.check_hostname, s.options]).to.deep.equal([17, 0, false, 2186412112]);
    const n = new ssl.SSLContext();
    expect([n.protocol, n.verify_mode, n.check_hostname]).to.deep.equal([2, 0, false]);
  });

  it("create_default_context(): a client context for SERVER_AUTH, a server one for CLIENT_AUTH", () => {
    const c = ssl.create_default_context();
    expect([c.protocol, c.verify_mode, c.check_hostname]).to.deep.equal([16, 2, true]);
    const s = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH);
    expect([s.protocol, s.verify_mode, s.check_hostname]).to.deep.equal([17, 0, false]);
    const withca = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, { cafile: cert_path("ca.pem") });
    expect(withca.get_ca_certs().length).to.equal(1);
  });

  it("verify_mode CERT_NONE is refused while check_hostname is on; check_hostname on with CERT_NONE makes it CERT_REQUIRED", () => {
    const c = new ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT);
    expect(() => (c.verify_mode = ssl.CERT_NONE)).to.throw(ValueError, "Cannot set verify_mode to CERT_NONE when check_hostname is enabled.");
    c.check_hostname = false;
    c.verify_mode = ssl.CERT_NONE;
    c.check_hostname = true;
    expect(c.verify_mode).to.equal(ssl.CERT_REQUIRED);
  });

  it("the constants are CPython's numbers", () => {
    expect([ssl.PROTOCOL_TLS, ssl.PROTOCOL_TLS_CLIENT, ssl.PROTOCOL_TLS_SERVER]).to.deep.equal([2, 16, 17]);
    expect([ssl.CERT_NONE, ssl.CERT_OPTIONAL, ssl.CERT_REQUIRED]).to.deep.equal([0, 1, 2]);
    expect([ssl.OP_ALL, ssl.OP_NO_TLSv1_3, ssl.OP_NO_COMPRESSION, ssl.OP_NO_TICKET]).to.deep.equal([2147483728, 536870912, 131072, 16384]);
    expect(ssl.TLSVersion.TLSv1_2).to.equal(771);
    expect([ssl.SSL_ERROR_WANT_READ, ssl.SSL_ERROR_WANT_WRITE, ssl.SSL_ERROR_EOF, ssl.SSL_ERROR_ZERO_RETURN]).to.deep.equal([2, 3, 8, 6]);
    expect(ssl.Purpose.SERVER_AUTH.oid).to.equal("1.3.6.1.5.5.7.3.1");
  });
});

describe("ssl SSLContext: CPython's errors for bad arguments", () => {
  it("load_cert_chain: a missing file is FileNotFoundError, a file without the key SSLError PEM lib, a wrong password too", () => {
    const c = new ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER);
    expect(() => c.load_cert_chain("/nonexistent/cert.pem")).to.throw(FileNotFoundError, "[Errno 2] No such file or directory");
    expect(() => c.load_cert_chain(cert_path("ca.pem"))).to.throw(ssl.SSLError, "[SSL] PEM lib (_ssl.c:3926)");
    expect(() => c.load_cert_chain(cert_path("server.pem"), cert_path("server.encrypted.key"), "bad")).to.throw(ssl.SSLError, "[SSL] PEM lib (_ssl.c:3926)");
    c.load_cert_chain(cert_path("server.pem"), cert_path("server.encrypted.key"), "somepass");
    c.load_cert_chain(cert_path("server.pem"), cert_path("server.encrypted.key"), () => "somepass");
    c.load_cert_chain(cert_path("server.keycert.pem"));
  });

  it("load_verify_locations: all omitted is TypeError, a missing file FileNotFoundError; set_ciphers nonsense SSLError", () => {
    const c = new ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT);
    expect(() => c.load_verify_locations()).to.throw(TypeError, "cafile, capath and cadata cannot be all omitted");
    expect(() => c.load_verify_locations("/nonexistent/ca.pem")).to.throw(FileNotFoundError);
    expect(() => c.set_ciphers("NOPE")).to.throw(ssl.SSLError, "No cipher can be selected.");
    expect(() => new ssl.SSLContext(99)).to.throw(ValueError, "invalid or unsupported protocol version 99");
  });

  it("wrap_socket: server_hostname needs client mode, check_hostname needs server_hostname, datagrams are refused", () => {
    const t = new socket();
    const u = new socket(AF_INET, SOCK_DGRAM);
    try {
      expect(() => server_context().wrap_socket(t, { server_side: true, server_hostname: "x" })).to.throw(ValueError, "server_hostname can only be specified in client mode");
      expect(() => client_context().wrap_socket(t)).to.throw(ValueError, "check_hostname requires server_hostname");
      expect(() => client_context().wrap_socket(u, { server_hostname: "x" })).to.throw(NotImplementedError, "only stream sockets are supported");
      expect(t.fileno()).to.be.above(0);
    } finally {
      t.close();
      u.close();
    }
  });

  it("do_handshake_on_connect on a connected non-blocking socket: ValueError, and the socket is gone, as in CPython", async () => {
    const [a, b] = await socket_pair(FAMILIES[0]!);
    try {
      expect(() => client_context().wrap_socket(b, { server_hostname: "localhost" })).to.throw(
        ValueError,
        "do_handshake_on_connect should not be specified for non-blocking sockets",
      );
      expect(b.fileno()).to.equal(-1);
    } finally {
      a.close();
      b.close();
    }
  });

  it("an unconnected socket wraps (TLS starts when it connects); its repr is an SSLSocket's and the old socket is detached", () => {
    const t = new socket();
    const fd = t.fileno();
    const w = ssl.create_default_context().wrap_socket(t, { server_hostname: "localhost", do_handshake_on_connect: false });
    try {
      expect(t.fileno()).to.equal(-1);
      expect(w.fileno()).to.equal(fd);
      expect(String(w)).to.match(/^<ssl\.SSLSocket fd=\d+, family=AF_INET, type=SOCK_STREAM, proto=0>$/);
      expect([w.server_side, w.server_hostname, w.do_handshake_on_connect, w.suppress_ragged_eofs]).to.deep.equal([false, "localhost", false, true]);
      expect(w.version()).to.equal(null);
      expect(() => w.getpeercert()).to.throw(ValueError, "handshake not done yet");
    } finally {
      w.close();
    }
  });
});
