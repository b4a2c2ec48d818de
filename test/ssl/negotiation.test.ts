// What the two sides agree on: ALPN, the TLS version (minimum/maximum_version, OP_NO_TLSv1_3), ciphers; and a wrapped listening socket.
import { expect } from "chai";
import * as ssl from "../../src/ssl/index.js";
import { FAMILIES, accept_one, listening_socket } from "../helpers/net.js";
import { cert_path, client_context, drive_handshakes, handshake, server_context, socket_pair, tls_pair } from "../helpers/tls.js";
import { SOCK_STREAM, socket } from "../../src/socket/index.js";

const IPV4 = FAMILIES[0]!;

async function agreed(server: ssl.SSLContext, client: ssl.SSLContext): Promise<[string | null, ReturnType<ssl.SSLSocket["cipher"]>, string | null, string | null]> {
  const [s, c] = await tls_pair(IPV4, { server, client });
  try {
    return [c.version(), c.cipher(), c.selected_alpn_protocol(), s.selected_alpn_protocol()];
  } finally {
    s.close();
    c.close();
  }
}

describe("ssl negotiation: the same outcomes as CPython's for the same settings", () => {
  it("ALPN: the server's choice among the client's protocols, seen on both sides", async () => {
    const s = server_context();
    s.set_alpn_protocols(["h2", "http/1.1"]);
    const c = client_context();
    c.set_alpn_protocols(["http/1.1"]);
    expect(await agreed(s, c)).to.deep.equal(["TLSv1.3", ["TLS_AES_256_GCM_SHA384", "TLSv1.3", 256], "http/1.1", "http/1.1"]);
  });

  it("maximum_version TLSv1_2, or OP_NO_TLSv1_3: TLS 1.2 with CPython's cipher tuple", async () => {
    const c = client_context();
    c.maximum_version = ssl.TLSVersion.TLSv1_2;
    expect(await agreed(server_context(), c)).to.deep.equal(["TLSv1.2", ["ECDHE-RSA-AES256-GCM-SHA384", "TLSv1.2", 256], null, null]);
    const o = client_context();
    o.options |= ssl.OP_NO_TLSv1_3;
    expect((await agreed(server_context(), o))[0]).to.equal("TLSv1.2");
  });

  it("one server context, changed between wraps (ALPN, options, verify_mode): each connection has the settings of its wrap", async () => {
    // The CAs first: loading them makes the context's servers afresh; the changes below do not.
    const s = server_context();
    s.load_verify_locations(cert_path("ca.pem"));
    s.set_alpn_protocols(["h2"]);
    const c = client_context();
    c.set_alpn_protocols(["h2", "http/1.1"]);
    expect((await agreed(s, c))[3]).to.equal("h2");
    s.set_alpn_protocols(["http/1.1"]);
    const [v1, , , alpn1] = await agreed(s, c);
    expect([v1, alpn1]).to.deep.equal(["TLSv1.3", "http/1.1"]);
    s.options |= ssl.OP_NO_TLSv1_3;
    const [v2, , , alpn2] = await agreed(s, c);
    expect([v2, alpn2]).to.deep.equal(["TLSv1.2", "http/1.1"]);
    s.options &= ~ssl.OP_NO_TLSv1_3;
    expect((await agreed(s, c))[0]).to.equal("TLSv1.3");
    // Asking for a certificate the client does not have: CERT_REQUIRED fails the handshake now.
    s.verify_mode = ssl.CERT_REQUIRED;
    const [a, b] = await socket_pair(IPV4);
    const ss = s.wrap_socket(a, { server_side: true, do_handshake_on_connect: false });
    const cs = c.wrap_socket(b, { server_hostname: "localhost", do_handshake_on_connect: false });
    try {
      const [o] = await drive_handshakes([ss, cs], undefined, [0]);
      expect(o!.kind).to.equal("error");
      expect((o as { error: unknown }).error).to.be.instanceOf(ssl.SSLError);
    } finally {
      ss.close();
      cs.close();
    }
    s.verify_mode = ssl.CERT_NONE;
    expect((await agreed(s, c))[0]).to.equal("TLSv1.3");
  });

  it("set_ciphers on the server limits TLS 1.2 to that cipher", async () => {
    const s = server_context();
    s.set_ciphers("ECDHE-RSA-AES128-GCM-SHA256");
    const c = client_context();
    c.maximum_version = ssl.TLSVersion.TLSv1_2;
    expect((await agreed(s, c))[1]).to.deep.equal(["ECDHE-RSA-AES128-GCM-SHA256", "TLSv1.2", 128]);
  });

  it("minimum_version above the peer's maximum: the handshake fails with an SSLError on both sides", async () => {
    const s = server_context();
    s.minimum_version = ssl.TLSVersion.TLSv1_3;
    const c = client_context();
    c.maximum_version = ssl.TLSVersion.TLSv1_2;
    const [a, b] = await socket_pair(IPV4);
    const ss = s.wrap_socket(a, { server_side: true, do_handshake_on_connect: false });
    const cs = c.wrap_socket(b, { server_hostname: "localhost", do_handshake_on_connect: false });
    try {
      const outs = await drive_handshakes([ss, cs]);
      for (const o of outs) {
        expect(o.kind).to.equal("error");
        expect((o as { error: unknown }).error).to.be.instanceOf(ssl.SSLError);
      }
    } finally {
      ss.close();
      cs.close();
    }
  });
});

describe("ssl negotiation: a wrapped listening socket", () => {
  it("accept() returns the connection wrapped server side, with the listener's settings", async () => {
    const l = listening_socket(IPV4);
    const wl = server_context().wrap_socket(l, { server_side: true, do_handshake_on_connect: false });
    const raw = new socket(IPV4.family, SOCK_STREAM);
    raw.connect_ex(wl.getsockname());
    const [conn] = await accept_one(wl);
    const c = client_context().wrap_socket(raw, { server_hostname: "127.0.0.1", do_handshake_on_connect: false });
    try {
      expect(conn).to.be.instanceOf(ssl.SSLSocket);
      expect((conn as ssl.SSLSocket).server_side).to.equal(true);
      await handshake(conn as ssl.SSLSocket, c);
      expect(c.version()).to.equal("TLSv1.3");
    } finally {
      conn.close();
      c.close();
      wl.close();
    }
  });
});

describe("ssl negotiation: a server that asks for the client's certificate (verify_mode on the server side)", () => {
  function asking(mode: number): ssl.SSLContext {
    const s = server_context();
    s.verify_mode = mode;
    s.load_verify_locations(cert_path("ca.pem"));
    return s;
  }
  function presenting(name: string | null): ssl.SSLContext {
    const c = client_context();
    if (name !== null) c.load_cert_chain(cert_path(`${name}.pem`), cert_path(`${name}.key`));
    return c;
  }

  it("CERT_REQUIRED and a certificate from the trusted CA: the handshake completes, getpeercert() is its dict", async () => {
    const [s, c] = await tls_pair(IPV4, { server: asking(ssl.CERT_REQUIRED), client: presenting("server") });
    try {
      expect((s.getpeercert() as ssl.PeerCertDict).subject).to.deep.equal([[["countryName", "XY"]], [["organizationName", "asyncore-ts tests"]], [["commonName", "localhost"]]]);
    } finally {
      s.close();
      c.close();
    }
  });

  for (const [cert, code, message] of [["selfsigned", 18, "self-signed certificate"], ["expired", 10, "certificate has expired"]] as const) {
    it(`CERT_REQUIRED and ${cert}.pem: the server raises SSLCertVerificationError ${code}, as CPython's does`, async () => {
      const [a, b] = await socket_pair(IPV4);
      const s = asking(ssl.CERT_REQUIRED).wrap_socket(a, { server_side: true, do_handshake_on_connect: false });
      const c = presenting(cert).wrap_socket(b, { server_hostname: "localhost", do_handshake_on_connect: false });
      try {
        const [o] = await drive_handshakes([s, c], undefined, [0]);
        expect(o!.kind).to.equal("error");
        const e = (o as { error: ssl.SSLCertVerificationError }).error;
        expect(e).to.be.instanceOf(ssl.SSLCertVerificationError);
        expect([e.verify_code, e.message]).to.deep.equal([code, `[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ${message} (_ssl.c:1006)`]);
      } finally {
        s.close();
        c.close();
      }
    });
  }

  it("CERT_REQUIRED and no certificate: the server's handshake fails; CERT_OPTIONAL lets it through, getpeercert() None", async () => {
    const [a, b] = await socket_pair(IPV4);
    const s = asking(ssl.CERT_REQUIRED).wrap_socket(a, { server_side: true, do_handshake_on_connect: false });
    const c = presenting(null).wrap_socket(b, { server_hostname: "localhost", do_handshake_on_connect: false });
    try {
      const [o] = await drive_handshakes([s, c], undefined, [0]);
      expect(o!.kind).to.equal("error");
      expect((o as { error: Error }).error).to.be.instanceOf(ssl.SSLError);
    } finally {
      s.close();
      c.close();
    }
    const [s2, c2] = await tls_pair(IPV4, { server: asking(ssl.CERT_OPTIONAL), client: presenting(null) });
    try {
      expect(s2.getpeercert()).to.equal(null);
    } finally {
      s2.close();
      c2.close();
    }
  });
});
