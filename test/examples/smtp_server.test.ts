// examples/smtp_server.ts: driven by Python's smtplib (a client no one here wrote) in a child
// process, and by a plain Node client for the error replies.
import { expect } from "chai";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import * as asyncore from "asyncore-ts/asyncore";
import * as socket from "asyncore-ts/socket";
import { b } from "asyncore-ts";
import { SMTPServer, SMTPChannel, getaddr, unstuff, type MessageOptions } from "../../examples/smtp_server.js";
import { Child, LineClient, with_timeout } from "../helpers/clients.js";
import { python3_or_skip } from "../helpers/python.js";
import { CERTS_DIR, SERVER_CERT, SERVER_KEY, TlsLineClient, not_tls } from "../helpers/tls_lines.js";
import { server_context } from "../../examples/ssl_connection.js";
import { loop_fixture } from "../helpers/loop_fixture.js";

interface received {
  peer: socket.Address;
  mailfrom: string;
  rcpttos: string[];
  data: Buffer;
  kwargs: MessageOptions;
}

class RecordingServer extends SMTPServer {
  readonly messages: received[] = [];
  status: string | null = null;
  override process_message(peer: socket.Address, mailfrom: string, rcpttos: string[], data: Buffer, kwargs: MessageOptions): string | null {
    this.messages.push({ peer, mailfrom, rcpttos: [...rcpttos], data: Buffer.from(data), kwargs: { ...kwargs } });
    return this.status;
  }
}

/** A channel that hands process_message the message exactly as it was on the wire (CRLF). */
class CrlfChannel extends SMTPChannel {
  override data_linesep = b`\r\n`;
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

// The smtplib side: 20 messages over one connection (one of 1 MiB, one whose lines start with
// dots, most with 8-bit bytes), each sent with sendmail() as raw bytes with BODY=8BITMIME; smtplib
// adds SIZE= itself. For each message it prints what the server must hand to process_message:
// smtplib dot-stuffs the message and adds the final CRLF if missing; the server takes the text
// before "<CRLF>.<CRLF>", unstuffs it, and joins the lines with "\n" (CPython's smtpd) or keeps CRLF.
const CLIENT = String.raw`
import hashlib, json, random, smtplib, ssl, sys
host, port = sys.argv[1], int(sys.argv[2])
cafile = sys.argv[3] if len(sys.argv) > 3 else None
rnd = random.Random(20240611)

def body_line():
    n = rnd.randrange(0, 120)
    return bytes(rnd.choice(b"abcdefghij KLMNOP.,;:!-_=0123456789" + bytes(range(0x80, 0x100))) for _ in range(n))

def make(i):
    head = b"From: from%d@example.com\r\nTo: rcpt%d@example.org\r\nSubject: message %d\r\n\r\n" % (i, i, i)
    if i == 4:
        line = (b"0123456789abcdef" * 5)[:78] + b"\r\n"
        body = line * ((1 << 20) // len(line) + 1)
        return (head + body)[:1 << 20]                     # exactly 1 MiB, ends mid-line
    if i == 9:
        return head + b".\r\n..\r\n.leading dot\r\n..two dots\r\n. dot space\r\nmiddle . dot\r\n.\r\n...\r\n."
    if i == 13:
        return b".first line starts with a dot\r\n.\r\nlast"
    lines = [body_line() for _ in range(rnd.randrange(1, 40))]
    msg = head + b"\r\n".join(lines)
    return msg + b"\r\n" if i % 2 else msg

out = []
with smtplib.SMTP(host, port, timeout=30) as s:
    code, _ = s.ehlo("smtplib.test")
    assert code == 250, code
    if cafile:
        # STARTTLS, verifying the server against the test CA; then EHLO again (RFC 3207).
        assert s.has_extn("starttls"), s.esmtp_features
        code, resp = s.starttls(context=ssl.create_default_context(cafile=cafile))
        assert code == 220, (code, resp)
        code, _ = s.ehlo("smtplib.test")
        assert code == 250, code
        assert not s.has_extn("starttls"), s.esmtp_features
        print("TLS", s.sock.version(), flush=True)
    else:
        assert not s.has_extn("starttls"), s.esmtp_features
    assert s.has_extn("size") and s.has_extn("8bitmime"), s.esmtp_features
    for i in range(20):
        msg = make(i)
        assert b"\n" not in msg.replace(b"\r\n", b"") and b"\r" not in msg.replace(b"\r\n", b"")
        rcpts = ["rcpt%d@example.org" % i] + (["second@example.org"] if i % 3 == 0 else [])
        refused = s.sendmail("from%d@example.com" % i, rcpts, msg, mail_options=["BODY=8BITMIME"])
        assert refused == {}, refused
        text = msg[:-2] if msg.endswith(b"\r\n") else msg
        print(json.dumps({
            "i": i, "mailfrom": "from%d@example.com" % i, "rcpttos": rcpts, "size": len(msg),
            "lf": hashlib.sha256(b"\n".join(text.split(b"\r\n"))).hexdigest(),
            "crlf": hashlib.sha256(text).hexdigest(),
            "lf_len": len(b"\n".join(text.split(b"\r\n"))), "crlf_len": len(text),
        }), flush=True)
    code, reply = s.noop()
    assert code == 250, code
print("DONE", flush=True)
`;

interface expected {
  i: number;
  mailfrom: string;
  rcpttos: string[];
  size: number;
  lf: string;
  crlf: string;
  lf_len: number;
  crlf_len: number;
}

describe("examples/smtp_server", function () {
  this.timeout(20000);
  const fx = loop_fixture();

  function serve(data_size_limit?: number, channel_class?: typeof SMTPChannel, tls = false, use_poll = false): RecordingServer {
    const server = new RecordingServer(["127.0.0.1", 0], null, data_size_limit, fx.map);
    server.fqdn = "smtp.test";
    if (channel_class) server.channel_class = channel_class;
    if (tls) server.tls_context = server_context(SERVER_CERT, SERVER_KEY);
    if (use_poll) {
      fx.looping = asyncore.loop({ timeout: 1, map: fx.map, use_poll: true }).catch((e: unknown) => {
        fx.loop_error = e;
      });
    } else {
      fx.run();
    }
    return server;
  }

  async function connect(server: SMTPServer): Promise<LineClient> {
    const c = await LineClient.connect(server.address() as [string, number]);
    fx.clients.push(c);
    expect(await c.read_reply()).to.deep.equal(["220 smtp.test Python SMTP proxy version 0.3"]);
    return c;
  }

  /** Send a command, return the reply lines. */
  async function cmd(c: LineClient, line: string): Promise<string[]> {
    c.send_line(line);
    return c.read_reply();
  }

  describe("with Python's smtplib as the client", function () {
    let python3: string;
    before(function () {
      python3 = python3_or_skip(this, "smtplib");
    });

    async function run_client(server: RecordingServer, cafile?: string): Promise<expected[]> {
      const [host, port] = server.address() as [string, number];
      const child = new Child(python3, ["-c", CLIENT, host, String(port), ...(cafile ? [cafile] : [])]);
      fx.children.push(child);
      const r = await with_timeout(child.done, 15000, "the smtplib client to finish");
      expect(r.code, `smtplib client failed: ${r.stderr}`).to.equal(0);
      const lines = r.stdout.trim().split("\n");
      expect(lines.pop()).to.equal("DONE");
      if (cafile) expect(lines.shift()).to.match(/^TLS TLSv1\.[23]$/);
      return lines.map((l) => JSON.parse(l) as expected);
    }

    function check(server: RecordingServer, want: expected[], mode: "lf" | "crlf"): void {
      expect(want).to.have.length(20);
      expect(server.messages).to.have.length(20);
      want.forEach((w, i) => {
        const got = server.messages[i]!;
        expect(got.mailfrom, `message ${i} sender`).to.equal(w.mailfrom);
        expect(got.rcpttos, `message ${i} recipients`).to.deep.equal(w.rcpttos);
        expect(got.kwargs.mail_options, `message ${i} MAIL options`).to.have.members([`SIZE=${w.size}`, "BODY=8BITMIME"]);
        expect(got.data.length, `message ${i} length`).to.equal(mode === "lf" ? w.lf_len : w.crlf_len);
        expect(sha256(got.data), `message ${i} content`).to.equal(mode === "lf" ? w.lf : w.crlf);
      });
      expect(want[4]!.size).to.equal(1 << 20);
    }

    it("receives 20 messages (1 MiB, dot lines, 8-bit) exactly as CPython's smtpd would deliver them", async () => {
      const server = serve();
      const want = await run_client(server);
      check(server, want, "lf");
      expect(server.messages[9]!.data.toString("latin1").split("\n").slice(4)).to.deep.equal([
        ".", "..", ".leading dot", "..two dots", ". dot space", "middle . dot", ".", "...", ".",
      ]);
      expect(server.messages[13]!.data.toString("latin1")).to.equal(".first line starts with a dot\n.\nlast");
      expect(server.messages[0]!.peer).to.deep.equal(["127.0.0.1", (server.messages[0]!.peer as [string, number])[1]]);
    });

    it("hands over the wire bytes (CRLF kept) when the channel's data_linesep is CRLF", async () => {
      const server = serve(undefined, CrlfChannel);
      const want = await run_client(server);
      check(server, want, "crlf");
    });

    for (const use_poll of [false, true]) {
      it(`smtplib.starttls() (verifying ca.pem), then the same 20 messages byte-exact (${use_poll ? "poll" : "select"} loop)`, async () => {
        const server = serve(undefined, CrlfChannel, true, use_poll);
        const want = await run_client(server, `${CERTS_DIR}ca.pem`);
        check(server, want, "crlf");
      });
    }
  });

  describe("STARTTLS", () => {
    async function tls_client(server: SMTPServer): Promise<TlsLineClient> {
      const [host, port] = server.address() as [string, number];
      const c = await TlsLineClient.connect(host, port);
      tls_clients.push(c);
      expect(await c.read_reply()).to.deep.equal(["220 smtp.test Python SMTP proxy version 0.3"]);
      return c;
    }
    let tls_clients: TlsLineClient[] = [];
    afterEach(() => {
      for (const c of tls_clients) c.close();
      tls_clients = [];
    });

    it("is advertised only with a certificate, and answered 454 without one", async () => {
      const plain = serve();
      const c = await connect(plain);
      expect(await cmd(c, "EHLO client.test")).to.deep.equal(["250-smtp.test", "250-SIZE 33554432", "250-8BITMIME", "250 HELP"]);
      expect(await cmd(c, "STARTTLS")).to.deep.equal(["454 TLS not available"]);
      expect(await cmd(c, "NOOP")).to.deep.equal(["250 OK"]);
    });

    it("switches mid-conversation, restarts the session (RFC 3207), and refuses a second STARTTLS", async () => {
      const server = serve(undefined, undefined, true);
      const c = await tls_client(server);
      expect(await c.cmd("EHLO client.test")).to.deep.equal(["250-smtp.test", "250-SIZE 33554432", "250-8BITMIME", "250-STARTTLS", "250 HELP"]);
      expect(await c.cmd("MAIL FROM:<before@tls>")).to.deep.equal(["250 OK"]);
      expect(await c.cmd("STARTTLS now")).to.deep.equal(["501 Syntax: STARTTLS"]);
      expect(await c.cmd("STARTTLS")).to.deep.equal(["220 Ready to start TLS"]);
      const t = await c.starttls();
      expect(t.authorized).to.equal(true);
      expect(c.extra_plain).to.equal("");
      // Everything from before TLS is forgotten: the greeting and the transaction.
      expect(await c.cmd("MAIL FROM:<a@b>")).to.deep.equal(["503 Error: send HELO first"]);
      expect(await c.cmd("EHLO client.test")).to.deep.equal(["250-smtp.test", "250-SIZE 33554432", "250-8BITMIME", "250 HELP"]);
      expect(await c.cmd("STARTTLS")).to.deep.equal(["503 Error: TLS already active"]);
      expect(await c.cmd("MAIL FROM:<a@b>")).to.deep.equal(["250 OK"]);
      expect(await c.cmd("RCPT TO:<c@d>")).to.deep.equal(["250 OK"]);
      expect(await c.cmd("DATA")).to.deep.equal(["354 End data with <CR><LF>.<CR><LF>"]);
      c.sock.write("over TLS\r\n..dot\r\n.\r\n");
      expect(await c.read_reply()).to.deep.equal(["250 OK"]);
      expect(server.messages).to.have.length(1);
      expect(server.messages[0]!.mailfrom).to.equal("a@b");
      expect(server.messages[0]!.data.toString()).to.equal("over TLS\n.dot");
      expect(await c.cmd("QUIT")).to.deep.equal(["221 Bye"]);
      await c.wait_end();
    });

    it("drops a command pipelined behind STARTTLS in the clear (it never runs, inside TLS or out)", async () => {
      const server = serve(undefined, undefined, true);
      const c = await tls_client(server);
      expect(await c.cmd("EHLO client.test")).to.include("250-STARTTLS");
      c.sock.write("STARTTLS\r\nRSET\r\nNOOP\r\n");
      expect(await c.read_reply()).to.deep.equal(["220 Ready to start TLS"]);
      await c.starttls();
      expect(await c.cmd("HELP")).to.deep.equal(["250 Supported commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY"]);
      expect(c.extra_plain).to.equal("");
      expect(c.lines).to.deep.equal([]);
    });

    it("a client that aborts the handshake (hangs up, or sends garbage) is logged and closed; others go on", async () => {
      const server = serve(undefined, undefined, true);
      const logged = fx.sandbox.stub(asyncore.dispatcher.prototype, "log_info");
      const other = await connect(server);
      expect(await cmd(other, "HELO other")).to.deep.equal(["250 smtp.test"]);
      for (const how of ["hang up", "garbage", "plain commands"]) {
        const c = await tls_client(server);
        expect(await c.cmd("STARTTLS")).to.deep.equal(["220 Ready to start TLS"]);
        if (how === "hang up") c.plain.end();
        else if (how === "garbage") c.plain.write(not_tls(3000));
        else c.plain.write("EHLO not.tls\r\nMAIL FROM:<a@b>\r\n");
        await c.wait_end(10000);
        expect(c.lines, how).to.deep.equal([]);
      }
      expect(await cmd(other, "NOOP")).to.deep.equal(["250 OK"]);
      // The garbage and the plain commands failed the handshake: each logged once, as a warning.
      const tls_logs = logged.getCalls().filter((call) => String(call.args[0]).startsWith("TLS "));
      expect(tls_logs.length, JSON.stringify(logged.getCalls().map((x) => x.args))).to.be.within(2, 3);
      for (const call of tls_logs) expect(call.args[1]).to.equal("warning");
      expect(server.messages).to.have.length(0);
    });
  });

  describe("replies to a plain client", () => {
    it("HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, VRFY, HELP, QUIT", async () => {
      const server = serve();
      const c = await connect(server);
      expect(await cmd(c, "HELO client.test")).to.deep.equal(["250 smtp.test"]);
      expect(await cmd(c, "NOOP")).to.deep.equal(["250 OK"]);
      expect(await cmd(c, "VRFY someone@example.org")).to.deep.equal(["252 Cannot VRFY user, but will accept message and attempt delivery"]);
      expect(await cmd(c, "VRFY")).to.deep.equal(["501 Syntax: VRFY <address>"]);
      expect(await cmd(c, "HELP")).to.deep.equal(["250 Supported commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY"]);
      expect(await cmd(c, "HELP mail")).to.deep.equal(["250 Syntax: MAIL FROM: <address>"]);
      expect(await cmd(c, "HELP SPAM")).to.deep.equal(["501 Supported commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY"]);
      expect(await cmd(c, "EXPN list")).to.deep.equal(["502 EXPN not implemented"]);
      expect(await cmd(c, "MAIL FROM:<a@example.com>")).to.deep.equal(["250 OK"]);
      expect(await cmd(c, "RCPT TO:<b@example.com>")).to.deep.equal(["250 OK"]);
      expect(await cmd(c, "RSET")).to.deep.equal(["250 OK"]);
      expect(await cmd(c, "DATA")).to.deep.equal(["503 Error: need RCPT command"]);
      expect(await cmd(c, 'MAIL from: "Fred Blogs"@example.com')).to.deep.equal(["250 OK"]);
      expect(await cmd(c, "RCPT To:spam@example")).to.deep.equal(["250 OK"]);
      expect(await cmd(c, "RCPT To: <ham@example>")).to.deep.equal(["250 OK"]);
      expect(await cmd(c, "DATA")).to.deep.equal(["354 End data with <CR><LF>.<CR><LF>"]);
      c.write("Subject: dots\r\n\r\n..\r\n..x\r\nplain\r\n.\r\n");
      expect(await c.read_reply()).to.deep.equal(["250 OK"]);
      expect(server.messages).to.have.length(1);
      const m = server.messages[0]!;
      expect(m.mailfrom).to.equal('"Fred Blogs"@example.com');
      expect(m.rcpttos).to.deep.equal(["spam@example", "ham@example"]);
      expect(m.data.toString()).to.equal("Subject: dots\n\n.\n.x\nplain");
      expect(m.kwargs).to.deep.equal({ mail_options: [], rcpt_options: [] });
      // The transaction is over: a new one needs MAIL again.
      expect(await cmd(c, "RCPT TO:<b@example.com>")).to.deep.equal(["503 Error: need MAIL command"]);
      server.status = "250 Okish";
      expect(await cmd(c, "MAIL FROM:<>")).to.deep.equal(["250 OK"]);
      expect(await cmd(c, "RCPT TO:<b@example.com>")).to.deep.equal(["250 OK"]);
      expect(await cmd(c, "DATA")).to.deep.equal(["354 End data with <CR><LF>.<CR><LF>"]);
      c.write("x\r\n.\r\n");
      expect(await c.read_reply()).to.deep.equal(["250 Okish"]);
      expect(server.messages[1]!.mailfrom).to.equal("<>");
      expect(await cmd(c, "QUIT now")).to.deep.equal(["221 Bye"]);
      await c.wait_end();
    });

    it("EHLO advertises SIZE and 8BITMIME and MAIL checks SIZE= and BODY=", async () => {
      const server = serve(4096);
      const c = await connect(server);
      expect(await cmd(c, "EHLO client.test")).to.deep.equal(["250-smtp.test", "250-SIZE 4096", "250-8BITMIME", "250 HELP"]);
      expect(await cmd(c, "EHLO again")).to.deep.equal(["503 Duplicate HELO/EHLO"]);
      expect(await cmd(c, "HELP RCPT")).to.deep.equal(["250 Syntax: RCPT TO: <address> [SP <mail-parameters>]"]);
      expect(await cmd(c, "MAIL FROM:<a@example.com> SIZE=4097")).to.deep.equal(["552 Error: message size exceeds fixed maximum message size"]);
      expect(await cmd(c, "MAIL FROM:<a@example.com> SIZE=big")).to.deep.equal(["501 Syntax: MAIL FROM: <address> [SP <mail-parameters>]"]);
      expect(await cmd(c, "MAIL FROM:<a@example.com> BODY=9BIT")).to.deep.equal(["501 Error: BODY can only be one of 7BIT, 8BITMIME"]);
      expect(await cmd(c, "MAIL FROM:<a@example.com> ham=green")).to.deep.equal(["555 MAIL FROM parameters not recognized or not implemented"]);
      expect(await cmd(c, "MAIL FROM:<a@example.com> size=4096 body=8bitmime")).to.deep.equal(["250 OK"]);
      expect(await cmd(c, "MAIL FROM:<c@example.com>")).to.deep.equal(["503 Error: nested MAIL command"]);
      expect(await cmd(c, "RCPT TO:<b@example.com> NOTIFY=NEVER")).to.deep.equal(["555 RCPT TO parameters not recognized or not implemented"]);
      expect(await cmd(c, "RCPT TO:<b@example.com>")).to.deep.equal(["250 OK"]);
      expect(await cmd(c, "DATA")).to.deep.equal(["354 End data with <CR><LF>.<CR><LF>"]);
      c.write(Buffer.concat([b`caf\xe9\r\n`, b`.\r\n`]));
      expect(await c.read_reply()).to.deep.equal(["250 OK"]);
      expect(server.messages[0]!.data).to.deep.equal(b`caf\xe9`);
      expect(server.messages[0]!.kwargs.mail_options).to.deep.equal(["SIZE=4096", "BODY=8BITMIME"]);
    });

    it("listens on IPv6 (::1) too", async () => {
      const server = new RecordingServer(["::1", 0], null, undefined, fx.map);
      server.fqdn = "smtp.test";
      fx.run();
      const c = await connect(server);
      expect(await cmd(c, "HELO v6.test")).to.deep.equal(["250 smtp.test"]);
      for (const l of ["MAIL FROM:<a@b>", "RCPT TO:<c@d>"]) expect(await cmd(c, l)).to.deep.equal(["250 OK"]);
      expect(await cmd(c, "DATA")).to.deep.equal(["354 End data with <CR><LF>.<CR><LF>"]);
      c.write("v6\r\n.\r\n");
      expect(await c.read_reply()).to.deep.equal(["250 OK"]);
      expect((server.messages[0]!.peer as [string, number])[0]).to.equal("::1");
      expect(await cmd(c, "QUIT")).to.deep.equal(["221 Bye"]);
      await c.wait_end();
    });

    it("500 for unknown commands, empty lines and over-long lines", async () => {
      const server = serve();
      const c = await connect(server);
      expect(await cmd(c, "FOO bar")).to.deep.equal(['500 Error: command "FOO" not recognized']);
      expect(await cmd(c, "")).to.deep.equal(["500 Error: bad syntax"]);
      expect(await cmd(c, `NOOP ${"x".repeat(600)}`)).to.deep.equal(["500 Error: line too long"]);
      expect(await cmd(c, "_set_rset_state")).to.deep.equal(['500 Error: command "_SET_RSET_STATE" not recognized']);
      expect(await cmd(c, "NOOP")).to.deep.equal(["250 OK"]);
    });

    it("503 for commands out of sequence", async () => {
      const server = serve();
      const c = await connect(server);
      expect(await cmd(c, "MAIL FROM:<a@example.com>")).to.deep.equal(["503 Error: send HELO first"]);
      expect(await cmd(c, "RCPT TO:<a@example.com>")).to.deep.equal(["503 Error: send HELO first"]);
      expect(await cmd(c, "DATA")).to.deep.equal(["503 Error: send HELO first"]);
      expect(await cmd(c, "HELO client.test")).to.deep.equal(["250 smtp.test"]);
      expect(await cmd(c, "HELO client.test")).to.deep.equal(["503 Duplicate HELO/EHLO"]);
      expect(await cmd(c, "RCPT TO:<a@example.com>")).to.deep.equal(["503 Error: need MAIL command"]);
      expect(await cmd(c, "DATA")).to.deep.equal(["503 Error: need RCPT command"]);
    });

    it("501 for syntax errors", async () => {
      const server = serve();
      const c = await connect(server);
      expect(await cmd(c, "HELO")).to.deep.equal(["501 Syntax: HELO hostname"]);
      expect(await cmd(c, "EHLO")).to.deep.equal(["501 Syntax: EHLO hostname"]);
      expect(await cmd(c, "HELO client.test")).to.deep.equal(["250 smtp.test"]);
      expect(await cmd(c, "NOOP hi")).to.deep.equal(["501 Syntax: NOOP"]);
      expect(await cmd(c, "RSET hi")).to.deep.equal(["501 Syntax: RSET"]);
      expect(await cmd(c, "MAIL")).to.deep.equal(["501 Syntax: MAIL FROM: <address>"]);
      expect(await cmd(c, "MAIL from eggs@example")).to.deep.equal(["501 Syntax: MAIL FROM: <address>"]);
      expect(await cmd(c, "MAIL from:")).to.deep.equal(["501 Syntax: MAIL FROM: <address>"]);
      // Parameters need EHLO.
      expect(await cmd(c, "MAIL from:<a@example.com> SIZE=20")).to.deep.equal(["501 Syntax: MAIL FROM: <address>"]);
      expect(await cmd(c, "MAIL from:<a@example.com>")).to.deep.equal(["250 OK"]);
      expect(await cmd(c, "RCPT to eggs@example")).to.deep.equal(["501 Syntax: RCPT TO: <address>"]);
      expect(await cmd(c, "RCPT to:<b@example.com>")).to.deep.equal(["250 OK"]);
      expect(await cmd(c, "DATA now")).to.deep.equal(["501 Syntax: DATA"]);
    });

    it("552 for a message over the data size limit, and the session goes on", async () => {
      const server = serve(1024);
      const c = await connect(server);
      expect(await cmd(c, "EHLO client.test")).to.include("250-SIZE 1024");
      expect(await cmd(c, "MAIL FROM:<a@example.com>")).to.deep.equal(["250 OK"]);
      expect(await cmd(c, "RCPT TO:<b@example.com>")).to.deep.equal(["250 OK"]);
      expect(await cmd(c, "DATA")).to.deep.equal(["354 End data with <CR><LF>.<CR><LF>"]);
      const line = `${"y".repeat(98)}\r\n`;
      c.write(`${line.repeat(200)}.\r\n`);
      expect(await c.read_reply()).to.deep.equal(["552 Error: Too much mail data"]);
      expect(server.messages).to.have.length(0);
      // Back in command state (CPython would keep reading DATA here).
      expect(await cmd(c, "RCPT TO:<b@example.com>")).to.deep.equal(["503 Error: need MAIL command"]);
      expect(await cmd(c, "MAIL FROM:<a@example.com>")).to.deep.equal(["250 OK"]);
      expect(await cmd(c, "RCPT TO:<b@example.com>")).to.deep.equal(["250 OK"]);
      expect(await cmd(c, "DATA")).to.deep.equal(["354 End data with <CR><LF>.<CR><LF>"]);
      c.write(`${line.repeat(10)}.\r\n`);
      expect(await c.read_reply()).to.deep.equal(["250 OK"]);
      expect(server.messages[0]!.data.toString()).to.equal(line.repeat(10).slice(0, -2).replaceAll("\r\n", "\n"));
    });

    it("an error in process_message goes to handle_error and closes only that channel", async () => {
      const server = serve();
      fx.sandbox.stub(server, "process_message").throws(new Error("delivery failed"));
      fx.sandbox.stub(console, "log");
      const c = await connect(server);
      const other = await connect(server);
      for (const l of ["HELO x", "MAIL FROM:<a@b>", "RCPT TO:<c@d>", "DATA"]) await cmd(c, l);
      c.write("hi\r\n.\r\n");
      await c.wait_end();
      expect(fx.errors.callCount).to.equal(1);
      expect(String(fx.errors.firstCall.args[0])).to.include("delivery failed");
      expect(await cmd(other, "NOOP")).to.deep.equal(["250 OK"]);
      fx.errors.resetHistory(); // the one expected call, checked
    });
  });

  describe("helpers", () => {
    it("getaddr splits an address from its parameters as smtpd's _getaddr does", () => {
      expect(getaddr("<foo@example.com> SIZE=20")).to.deep.equal(["foo@example.com", " SIZE=20"]);
      expect(getaddr("eggs@example")).to.deep.equal(["eggs@example", ""]);
      expect(getaddr('<"Fred Blogs"@example.com>')).to.deep.equal(['"Fred Blogs"@example.com', ""]);
      expect(getaddr('"Fred Blogs"@example.com SIZE=1000')).to.deep.equal(['"Fred Blogs"@example.com', " SIZE=1000"]);
      expect(getaddr("<>")).to.deep.equal(["<>", ""]);
      expect(getaddr("")).to.deep.equal(["", ""]);
      expect(getaddr("<unclosed@example.com")[0]).to.equal("");
    });

    it("unstuff removes one leading dot per line and joins lines", () => {
      expect(unstuff(b`..\r\n.a\r\nb.\r\n`, b`\n`)).to.deep.equal(b`.\na\nb.\n`);
      expect(unstuff(b``, b`\n`)).to.deep.equal(b``);
      expect(unstuff(b`x\r\n..y`, b`\r\n`)).to.deep.equal(b`x\r\n.y`);
    });
  });
});

describe("examples/smtp_server run directly (npm run smtp -- 0 --tls-cert F --tls-key F --poll)", function () {
  this.timeout(20000);
  const script = fileURLToPath(new URL("../../examples/smtp_server.js", import.meta.url));
  let children: Child[] = [];
  afterEach(async () => {
    for (const c of children) c.kill();
    await Promise.all(children.map((c) => c.done));
    children = [];
  });

  it("offers STARTTLS and prints the message smtplib sends over it", async function () {
    const python3 = python3_or_skip(this, "smtplib", "ssl");
    const server = new Child(process.execPath, [script, "0", "--tls-cert", SERVER_CERT, "--tls-key", SERVER_KEY, "--poll"]);
    children.push(server);
    const out = await server.wait_stdout((s) => /\(STARTTLS\)\n/.test(s), 10000, "the address");
    const port = Number(/127\.0\.0\.1:(\d+) \(STARTTLS\)/.exec(out)![1]);
    const client = new Child(python3, [
      "-c",
      String.raw`
import smtplib, ssl, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10) as s:
    s.starttls(context=ssl.create_default_context(cafile=sys.argv[2]))
    s.sendmail("a@example.com", ["b@example.org"], b"Subject: over TLS\r\n\r\nhello\r\n")
`,
      String(port),
      `${CERTS_DIR}ca.pem`,
    ]);
    children.push(client);
    const r = await with_timeout(client.done, 10000, "smtplib");
    expect(r.code, r.stderr).to.equal(0);
    await server.wait_stdout((s) => s.includes("------------ END MESSAGE ------------ (from a@example.com to b@example.org)"), 5000, "the message");
    expect(server.stdout).to.contain("Subject: over TLS\nX-Peer: 127.0.0.1\n\nhello\n");
  });

  it("a certificate without its key is a usage error (exit status 2)", async () => {
    const c = new Child(process.execPath, [script, "--tls-key", SERVER_KEY]);
    children.push(c);
    const r = await with_timeout(c.done, 10000, "exit");
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain("usage: node dist/examples/smtp_server.js [port] [--poll] [--tls-cert FILE --tls-key FILE]");
  });
});
