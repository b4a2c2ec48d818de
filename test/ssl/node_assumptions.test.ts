// The documented node:tls behaviours the ssl layer stands on, each asserted alone so that a Node that changes one fails here, by name.
import { Duplex } from "node:stream";
import * as tls from "node:tls";
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { cert_path } from "../helpers/tls.js";

/** Two Duplexes wired back to back by hand: what one side writes is pushed into the other when `move()` is called. */
class Wire extends Duplex {
  readonly written: Buffer[] = [];
  constructor() {
    super({ allowHalfOpen: true });
  }
  override _read(): void {}
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.written.push(Buffer.from(chunk));
    cb();
  }
}

function move(from: Wire, to: Wire): number {
  const n = from.written.length;
  for (const c of from.written.splice(0)) to.push(c);
  return n;
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A TLS server and client over two Wires, handshake done. */
async function pair(): Promise<{ sw: Wire; cw: Wire; server: tls.TLSSocket; client: tls.TLSSocket; done(): void }> {
  const sw = new Wire();
  const cw = new Wire();
  const server = new tls.TLSSocket(sw, {
    isServer: true,
    secureContext: tls.createSecureContext({ cert: readFileSync(cert_path("server.pem")), key: readFileSync(cert_path("server.key")) }),
  });
  const client = tls.connect({ socket: cw, servername: "localhost", ca: readFileSync(cert_path("ca.pem")) });
  let secure = 0;
  server.on("secure", () => secure++);
  client.on("secureConnect", () => secure++);
  for (let i = 0; i < 50 && secure < 2; i++) {
    move(cw, sw);
    move(sw, cw);
    await turn();
  }
  expect(secure, "handshake over two Duplexes").to.equal(2);
  return {
    sw, cw, server, client,
    done() {
      server.destroy();
      client.destroy();
    },
  };
}

describe("Node assumption: a TLSSocket runs over any Duplex (new tls.TLSSocket(duplex), tls.connect({ socket: duplex }))", () => {
  it("a server TLSSocket emits 'secure' when its handshake completes (documented for both sides)", async () => {
    const p = await pair();
    p.done();
  });

  it("what TLS writes goes to the Duplex's _write, and what is pushed into the Duplex is decrypted", async () => {
    const p = await pair();
    try {
      const got = new Promise<Buffer>((r) => p.server.once("data", r));
      p.client.write("ping");
      for (let i = 0; i < 10; i++) {
        move(p.cw, p.sw);
        await turn();
      }
      expect((await got).toString()).to.equal("ping");
    } finally {
      p.done();
    }
  });
});

describe("Node assumption: a close_notify and a transport's end are told apart by when 'end' comes", () => {
  it("a close_notify alone makes the peer's TLSSocket emit 'end' without its Duplex ending", async () => {
    const p = await pair();
    try {
      let ended = false;
      p.server.on("end", () => (ended = true));
      p.client.end();
      for (let i = 0; i < 10 && !ended; i++) {
        move(p.cw, p.sw);
        await turn();
      }
      expect(ended, "no 'end' on close_notify").to.equal(true);
    } finally {
      p.done();
    }
  });

  it("the transport's end without close_notify: 'end' only once the Duplex has ended (pushed null), without an error", async () => {
    const p = await pair();
    try {
      let ended = false;
      let error: unknown = null;
      p.client.on("end", () => (ended = true));
      p.client.on("error", (e) => (error = e));
      for (let i = 0; i < 5; i++) await turn();
      expect(ended).to.equal(false);
      p.cw.push(null);
      for (let i = 0; i < 10 && !ended; i++) await turn();
      expect(ended).to.equal(true);
      expect(error).to.equal(null);
    } finally {
      p.done();
    }
  });
});

describe("Node assumption: OpenSSL's errors carry library and reason", () => {
  it("a plain-text peer gives the server an error with library 'SSL routines' and reason 'wrong version number'", async () => {
    const sw = new Wire();
    const server = new tls.TLSSocket(sw, {
      isServer: true,
      secureContext: tls.createSecureContext({ cert: readFileSync(cert_path("server.pem")), key: readFileSync(cert_path("server.key")) }),
    });
    const err = new Promise<Error & { library?: string; reason?: string }>((r) => server.once("error", r));
    sw.push(Buffer.from("HELO plain text\r\n"));
    const e = await err;
    expect([e.library, e.reason]).to.deep.equal(["SSL routines", "wrong version number"]);
    server.destroy();
  });

  it("a client's authorizationError names OpenSSL's verify failure (DEPTH_ZERO_SELF_SIGNED_CERT for a self-signed server)", async () => {
    const sw = new Wire();
    const cw = new Wire();
    const server = new tls.TLSSocket(sw, {
      isServer: true,
      secureContext: tls.createSecureContext({ cert: readFileSync(cert_path("selfsigned.pem")), key: readFileSync(cert_path("selfsigned.key")) }),
    });
    const client = tls.connect({ socket: cw, servername: "localhost", rejectUnauthorized: false, ca: readFileSync(cert_path("ca.pem")) });
    let secure = false;
    client.on("secureConnect", () => (secure = true));
    for (let i = 0; i < 50 && !secure; i++) {
      move(cw, sw);
      move(sw, cw);
      await turn();
    }
    expect(secure).to.equal(true);
    expect(client.authorized).to.equal(false);
    expect(String((client.authorizationError as unknown as string | Error))).to.equal("DEPTH_ZERO_SELF_SIGNED_CERT");
    server.destroy();
    client.destroy();
  });
});
