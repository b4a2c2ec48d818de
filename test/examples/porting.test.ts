// examples/porting: the Python SMTP server and its line-by-line TypeScript port, each run as a
// child process and driven by the same scripted client; their transcripts and process_message
// summaries must be identical. Python's smtplib then delivers a message to the TypeScript one.
import { expect } from "chai";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Child, LineClient, with_timeout } from "../helpers/clients.js";
import { python3_or_skip } from "../helpers/python.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const PY_SERVER = join(ROOT, "examples", "porting", "smtp_server.py");
const TS_SERVER = fileURLToPath(new URL("../../examples/porting/smtp_server.js", import.meta.url));
const LIMIT = 1024;
const HOST = os.hostname();

// One message with dot-stuffed lines, as the client puts it on the wire (the final CRLF.CRLF is
// added by the step runner), and what process_message must get: unstuffed, lines joined by "\n".
const STUFFED = "Subject: dots\r\n\r\n..leading dot\r\n...\r\n. space\r\nmiddle . dot\r\n..\r\nend\r\n.";
const UNSTUFFED = "Subject: dots\n\n.leading dot\n..\n space\nmiddle . dot\n.\nend";
const OVERSIZE = Array.from({ length: 25 }, (_, i) => `${i}`.padEnd(78, "x")).join("\r\n") + "\r\n.";

/** Each step is sent followed by CRLF; then one reply (possibly multi-line) is read. */
const SESSIONS: [string, string[]][][] = [
  [
    ["EHLO client.example", ["250-<host>", `250-SIZE ${LIMIT}`, "250-8BITMIME", "250 HELP"]],
    ["HELO client.example", ["503 Duplicate HELO/EHLO"]],
    ["RCPT TO:<rcpt@example.org>", ["503 Error: need MAIL command"]],
    ["MAIL FROM:", ["501 Syntax: MAIL FROM: <address>"]],
    ["MAIL TO:<sender@example.com>", ["501 Syntax: MAIL FROM: <address>"]],
    ["MAIL FROM:<sender@example.com> SIZE=12x", ["501 Syntax: MAIL FROM: <address>"]],
    ["MAIL FROM:<sender@example.com> SIZE=999999", ["552 Error: message size exceeds fixed maximum message size"]],
    ["MAIL FROM:<sender@example.com> SIZE=200 BODY=8BITMIME", ["250 OK"]],
    ["MAIL FROM:<other@example.com>", ["503 Error: nested MAIL command"]],
    ["DATA", ["503 Error: need RCPT command"]],
    ["RCPT TO:", ["501 Syntax: RCPT TO: <address>"]],
    ["RCPT TO:<rcpt@example.org>", ["250 OK"]],
    ["rcpt to: <second@example.org>", ["250 OK"]],
    ["DATA now", ["501 Syntax: DATA"]],
    ["DATA", ["354 End data with <CR><LF>.<CR><LF>"]],
    [STUFFED, ["250 OK"]],
    ["MAIL FROM:<>", ["250 OK"]],
    ["RCPT TO:<big@example.org>", ["250 OK"]],
    ["DATA", ["354 End data with <CR><LF>.<CR><LF>"]],
    [OVERSIZE, ["552 Error: Too much mail data"]],
    ["RCPT TO:<rcpt@example.org>", ["503 Error: need MAIL command"]],
    ["FOO bar", ['500 Error: command "FOO" not recognized']],
    ["", ["500 Error: bad syntax"]],
    ["NOOP " + "x".repeat(600), ["500 Error: line too long"]],
    ["MAIL FROM:<sender@example.com>", ["250 OK"]],
    ["RSET now", ["501 Syntax: RSET"]],
    ["RSET", ["250 OK"]],
    ["RCPT TO:<rcpt@example.org>", ["503 Error: need MAIL command"]],
    ["NOOP", ["250 OK"]],
    ["NOOP please", ["501 Syntax: NOOP"]],
    ["VRFY <someone@example.org>", ["252 Cannot VRFY user, but will accept message and attempt delivery"]],
    ["VRFY", ["501 Syntax: VRFY <address>"]],
    ["HELP", ["250 Supported commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY"]],
    ["help mail", ["250 Syntax: MAIL FROM: <address>"]],
    ["HELP BOGUS", ["501 Supported commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY"]],
    ["QUIT", ["221 Bye"]],
  ],
  [
    ["MAIL FROM:<a@example.com>", ["503 Error: send HELO first"]],
    ["RCPT TO:<b@example.org>", ["503 Error: send HELO first"]],
    ["DATA", ["503 Error: send HELO first"]],
    ["HELO", ["501 Syntax: HELO hostname"]],
    ["EHLO", ["501 Syntax: EHLO hostname"]],
    ["helo client.example", ["250 <host>"]],
    ["EHLO client.example", ["503 Duplicate HELO/EHLO"]],
    ["MAIL FROM:<a@example.com> SIZE=10", ["501 Syntax: MAIL FROM: <address>"]],
    ["mail from: <a@example.com>", ["250 OK"]],
    ["RCPT TO:<b@example.org> NOTIFY=NEVER", ["501 Syntax: RCPT TO: <address>"]],
    ["RCPT TO:<b@example.org>", ["250 OK"]],
    ["DATA", ["354 End data with <CR><LF>.<CR><LF>"]],
    ["Subject: short\r\n\r\nhello\r\n.", ["250 OK"]],
    ["QUIT", ["221 Bye"]],
  ],
];

function sha16(text: string): string {
  return createHash("sha256").update(Buffer.from(text, "latin1")).digest("hex").slice(0, 16);
}

const SUMMARIES = [
  `127.0.0.1:<port>: sender@example.com -> rcpt@example.org, second@example.org, ${UNSTUFFED.length} bytes, sha256 ${sha16(UNSTUFFED)}`,
  `127.0.0.1:<port>: a@example.com -> b@example.org, ${"Subject: short\n\nhello".length} bytes, sha256 ${sha16("Subject: short\n\nhello")}`,
];

/** The host name is the first word of the greeting and of the HELO/EHLO reply. */
function mask_host(line: string): string {
  const m = /^(220 |250[ -])(\S+)(.*)$/.exec(line);
  return m && m[2] === HOST ? `${m[1]}<host>${m[3]}` : line;
}

interface run {
  /** Every reply line of every session, the host name masked. */
  replies: string[][];
  /** The lines the server printed after its port, the peer port masked. */
  summaries: string[];
}

describe("examples/porting: one SMTP server in Python and TypeScript", function () {
  this.timeout(30000);
  let children: Child[];
  let clients: LineClient[];

  beforeEach(() => {
    children = [];
    clients = [];
  });

  afterEach(() => {
    for (const c of clients) c.close();
    for (const c of children) c.kill();
  });

  /** Start a server child with port 0; resolve with its port once it has printed it. */
  async function start(cmd: string, args: string[]): Promise<[Child, number]> {
    const child = new Child(cmd, [...args, "0", String(LIMIT)], { cwd: ROOT });
    children.push(child);
    const out = await child.wait_stdout((s) => /^\d+\n/.test(s), 10000, `${args.join(" ")} to print its port`);
    return [child, Number(out.split("\n")[0])];
  }

  /** Drive one server through every session, then collect what it printed. */
  async function drive(child: Child, port: number): Promise<run> {
    const replies: string[][] = [];
    for (const session of SESSIONS) {
      const c = await LineClient.connect(["127.0.0.1", port]);
      clients.push(c);
      replies.push(await c.read_reply());
      for (const [step] of session) {
        c.write(`${step}\r\n`);
        replies.push(await c.read_reply());
      }
      await c.wait_end();
      expect(c.error, "client socket error").to.equal(null);
      expect(c.lines, "bytes after the QUIT reply").to.deep.equal([]);
    }
    const printed = await child.wait_stdout(
      (s) => s.split("\n").length >= 2 + SUMMARIES.length,
      10000,
      "the process_message summaries",
    );
    return {
      replies: replies.map((r) => r.map(mask_host)),
      summaries: printed.trim().split("\n").slice(1).map((l) => l.replace(/^127\.0\.0\.1:\d+:/, "127.0.0.1:<port>:")),
    };
  }

  function expected_replies(): string[][] {
    const out: string[][] = [];
    for (const session of SESSIONS) {
      out.push(["220 <host> Python SMTP proxy version 0.3"]);
      for (const [, reply] of session) out.push(reply);
    }
    return out;
  }

  it("the TypeScript port answers the scripted sessions as smtpd would", async () => {
    const [child, port] = await start(process.execPath, [TS_SERVER]);
    const ts = await drive(child, port);
    expect(ts.replies).to.deep.equal(expected_replies());
    expect(ts.summaries).to.deep.equal(SUMMARIES);
    expect(child.stderr).to.equal("");
  });

  it("the Python original gives the identical transcript and summaries", async function () {
    const python3 = python3_or_skip(this, "asyncore", "asynchat", "smtplib");
    const [[py_child, py_port], [ts_child, ts_port]] = await Promise.all([
      start(python3, ["-W", "ignore", PY_SERVER]),
      start(process.execPath, [TS_SERVER]),
    ]);
    const [py, ts] = await Promise.all([drive(py_child, py_port), drive(ts_child, ts_port)]);
    expect(ts.replies).to.deep.equal(py.replies);
    expect(ts.summaries).to.deep.equal(py.summaries);
    expect(py.replies, "the Python transcript itself").to.deep.equal(expected_replies());
    expect(py_child.stderr + ts_child.stderr).to.equal("");
  });

  it("PORTING.md shows both programs exactly as they are", () => {
    const guide = readFileSync(join(ROOT, "PORTING.md"), "utf8");
    const start = guide.indexOf("\n## One program in both languages: an SMTP server\n");
    expect(start, "the section in PORTING.md").to.be.above(-1);
    const section = guide.slice(start);
    const ts_source = join(ROOT, "examples", "porting", "smtp_server.ts");
    expect(section).to.include("\n```python\n" + readFileSync(PY_SERVER, "utf8") + "```\n");
    expect(section).to.include("\n```ts\n" + readFileSync(ts_source, "utf8") + "```\n");
  });

  it("Python's smtplib delivers a message to the TypeScript port", async function () {
    const python3 = python3_or_skip(this, "smtplib");
    const [server, port] = await start(process.execPath, [TS_SERVER]);
    const client = new Child(python3, ["-W", "ignore", "-c", SMTPLIB_CLIENT, String(port)]);
    children.push(client);
    const r = await with_timeout(client.done, 15000, "the smtplib client to finish");
    expect(r.code, `smtplib client failed: ${r.stderr}`).to.equal(0);
    const [size, digest] = r.stdout.trim().split(" ");
    const printed = await server.wait_stdout((s) => s.split("\n").length >= 3, 10000, "the process_message summary");
    const summary = printed.trim().split("\n")[1]!.replace(/^127\.0\.0\.1:\d+:/, "127.0.0.1:<port>:");
    expect(summary).to.equal(
      `127.0.0.1:<port>: from@example.com -> to@example.org, cc@example.org, ${size} bytes, sha256 ${digest}`,
    );
  });
});

// smtplib sends EHLO, MAIL FROM with SIZE= and BODY=8BITMIME, two RCPT TO, DATA with the message
// dot-stuffed, and QUIT. It prints the length and digest process_message must see.
const SMTPLIB_CLIENT = String.raw`
import hashlib, smtplib, sys
msg = (b"From: from@example.com\r\nTo: to@example.org\r\nSubject: smtplib\r\n\r\n"
       b".leading dot\r\n..two dots\r\n.\r\n8-bit: \xe9t\xe9 \xff\r\nlast line")
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10) as s:
    code, _ = s.ehlo("smtplib.test")
    assert code == 250 and s.has_extn("size") and s.has_extn("8bitmime"), s.esmtp_features
    refused = s.sendmail("from@example.com", ["to@example.org", "cc@example.org"], msg,
                         mail_options=["BODY=8BITMIME"])
    assert refused == {}, refused
data = b"\n".join(msg.split(b"\r\n"))
print(len(data), hashlib.sha256(data).hexdigest()[:16])
`;
