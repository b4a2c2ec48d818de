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

const SERVER_KEYS = (): tls.TlsOptions => ({ cert: readFileSync(cert_path("server.pem")), key: readFileSync(cert_path("server.key")) });

/**
 * What a tls.Server told about one injected connection: the object the ssl layer injects through
 * (its prototype the server, its own emit), as src/ssl/engine.ts does.
 */
interface Injected {
  readonly events: Array<readonly [string | symbol, ...unknown[]]>;
  socket(): tls.TLSSocket | null;
}

function inject(server: tls.Server, duplex: Duplex): Injected {
  const events: Array<readonly [string | symbol, ...unknown[]]> = [];
  const via = Object.create(server) as tls.Server;
  const emit = tls.Server.prototype.emit as (this: tls.Server, e: string | symbol, ...a: unknown[]) => boolean;
  via.emit = function (this: tls.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === "connection") return emit.call(this, event, ...args);
    events.push([event, ...args]);
    return true;
  } as tls.Server["emit"];
  via.emit("connection", duplex);
  return {
    events,
    socket: () => (events.find(([e]) => e === "secureConnection")?.[1] as tls.TLSSocket | undefined) ?? null,
  };
}

/** A TLS server (a tls.Server's, over an injected Wire) and client over two Wires, handshake done. */
async function pair(options: tls.TlsOptions = {}): Promise<{ sw: Wire; cw: Wire; server: tls.TLSSocket; client: tls.TLSSocket; timeout: unknown; done(): void }> {
  const sw = new Wire();
  const cw = new Wire();
  const srv = new tls.Server({ ...SERVER_KEYS(), handshakeTimeout: -1, ...options });
  const injected = inject(srv, sw);
  const client = tls.connect({ socket: cw, servername: "localhost", ca: readFileSync(cert_path("ca.pem")) });
  let secure = false;
  client.on("secureConnect", () => (secure = true));
  for (let i = 0; i < 50 && !(secure && injected.socket() !== null); i++) {
    move(cw, sw);
    move(sw, cw);
    await turn();
  }
  const server = injected.socket();
  expect(secure && server !== null, "handshake over two Duplexes").to.equal(true);
  expect(srv.listening).to.equal(false);
  return {
    sw, cw, server: server!, client,
    timeout: server!.timeout,
    done() {
      server!.destroy();
      client.destroy();
    },
  };
}

describe("Node assumption: a TLSSocket runs over any Duplex (a tls.Server's 'connection' emitted with it, tls.connect({ socket: duplex }))", () => {
  it("a tls.Server that never listens takes a Duplex injected with emit('connection'): its handshake ends in 'secureConnection', emitted on the object that injected it", async () => {
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
  it("a plain-text peer: the tls.Server emits 'tlsClientError' with library 'SSL routines', reason 'wrong version number', and the TLSSocket", async () => {
    const sw = new Wire();
    const injected = inject(new tls.Server({ ...SERVER_KEYS(), handshakeTimeout: -1 }), sw);
    sw.push(Buffer.from("HELO plain text\r\n"));
    for (let i = 0; i < 10 && injected.events.length === 0; i++) await turn();
    const [[event, e, socket]] = injected.events as Array<[string, Error & { library?: string; reason?: string }, unknown]>;
    expect([event, e.library, e.reason]).to.deep.equal(["tlsClientError", "SSL routines", "wrong version number"]);
    expect(socket).to.be.instanceOf(tls.TLSSocket);
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

describe("Node assumption: a tls.Server's TLSSocket reports TLS errors after the handshake; one made without a server does not", () => {
  /** Sends "hello world" from the client and corrupts the last byte (the tag) of its record on the way to the server. */
  async function corrupt_to_server(p: { cw: Wire; sw: Wire; client: tls.TLSSocket }): Promise<void> {
    p.client.write("hello world");
    for (let i = 0; i < 5; i++) await turn();
    const rec = Buffer.concat(p.cw.written.splice(0));
    rec[rec.length - 1]! ^= 1;
    p.sw.push(rec);
  }

  it("a corrupted record after 'secureConnection': 'error' on the TLSSocket with library 'SSL routines', reason 'decryption failed or bad record mac'", async () => {
    const p = await pair();
    try {
      const errors: Array<Error & { library?: string; reason?: string }> = [];
      p.server.on("error", (e) => errors.push(e));
      await corrupt_to_server(p);
      for (let i = 0; i < 10 && errors.length === 0; i++) await turn();
      expect(errors.map((e) => [e.library, e.reason])).to.deep.equal([["SSL routines", "decryption failed or bad record mac"]]);
    } finally {
      p.done();
    }
  });

  it("(why: a server TLSSocket made with new tls.TLSSocket(duplex, { isServer: true }) emits no 'error' for the same record)", async () => {
    const sw = new Wire();
    const cw = new Wire();
    const server = new tls.TLSSocket(sw, { isServer: true, secureContext: tls.createSecureContext(SERVER_KEYS()) });
    const client = tls.connect({ socket: cw, servername: "localhost", ca: readFileSync(cert_path("ca.pem")) });
    try {
      let secure = 0;
      server.on("secure", () => secure++);
      client.on("secureConnect", () => secure++);
      for (let i = 0; i < 50 && secure < 2; i++) {
        move(cw, sw);
        move(sw, cw);
        await turn();
      }
      expect(secure).to.equal(2);
      const errors: Error[] = [];
      server.on("error", (e) => errors.push(e));
      await corrupt_to_server({ cw, sw, client });
      for (let i = 0; i < 10; i++) await turn();
      expect(errors).to.deep.equal([]);
    } finally {
      server.destroy();
      client.destroy();
    }
  });
});

describe("Node assumption: a tls.Server's handshakeTimeout and client-certificate options, as the ssl layer sets them", () => {
  it("handshakeTimeout -1 arms no timer: the secure socket's timeout is unset; Node's default (120 s) armed one and cleared it at the handshake's end", async () => {
    const none = await pair({ handshakeTimeout: -1 });
    const dflt = await pair({ handshakeTimeout: undefined });
    none.done();
    dflt.done();
    expect([none.timeout, dflt.timeout]).to.deep.equal([undefined, 0]);
  });

  it("requestCert with rejectUnauthorized, and a client certificate OpenSSL does not verify: no 'secureConnection'; 'tlsClientError' ECONNRESET with the socket's authorizationError", async () => {
    const sw = new Wire();
    const cw = new Wire();
    const injected = inject(new tls.Server({ ...SERVER_KEYS(), handshakeTimeout: -1, requestCert: true, rejectUnauthorized: true, ca: readFileSync(cert_path("ca.pem")) }), sw);
    const client = tls.connect({
      socket: cw, servername: "localhost", ca: readFileSync(cert_path("ca.pem")),
      cert: readFileSync(cert_path("selfsigned.pem")), key: readFileSync(cert_path("selfsigned.key")),
    });
    client.on("error", () => {});
    try {
      for (let i = 0; i < 50 && injected.events.length === 0; i++) {
        move(cw, sw);
        move(sw, cw);
        await turn();
      }
      const [[event, e, socket]] = injected.events as Array<[string, Error & { code?: string }, tls.TLSSocket]>;
      expect([event, e.code, socket.authorizationError]).to.deep.equal(["tlsClientError", "ECONNRESET", "DEPTH_ZERO_SELF_SIGNED_CERT"]);
    } finally {
      client.destroy();
    }
  });
});
