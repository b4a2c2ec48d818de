// examples/porting: the dummy POP3 server of CPython's test_poplib (pop3_server.py) and its
// line-by-line TypeScript port (pop3_server.ts), each run as a child process and driven by
// CPython's own poplib.POP3 client through one scripted session; the two transcripts must be
// identical, and equal to what test_poplib expects of the server.
import { expect } from "chai";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Child, with_timeout } from "../helpers/clients.js";
import { python3_or_skip } from "../helpers/python.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const PY_SERVER = join(ROOT, "examples", "porting", "pop3_server.py");
const TS_SERVER = fileURLToPath(new URL("../../examples/porting/pop3_server.js", import.meta.url));

// Every command of the plain server through poplib, one printed line per result. The dummy
// server answers a bad user or password with -ERR and then +OK anyway (so does CPython's), which
// leaves the client one reply behind: those run on a second connection, the overlong line on a third.
const POPLIB_CLIENT = String.raw`
import poplib, sys

def attempt(name, call):
    try:
        print(name, call())
    except poplib.error_proto as e:
        print(name, "error_proto", e)

c = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
print("welcome", c.getwelcome())
print("user", c.user("guido"))
print("pass_", c.pass_("python"))
print("stat", c.stat())
print("list", c.list())
print("list 1", c.list("1"))
print("retr", c.retr("foo"))
print("top", c.top(1, 1))
print("dele", c.dele("foo"))
print("noop", c.noop())
print("rpop", c.rpop("foo"))
print("apop", c.apop("foo", "dummypassword"))
print("uidl", c.uidl())
print("uidl foo", c.uidl("foo"))
print("capa", c.capa())
attempt("utf8", c.utf8)
attempt("echo -err", lambda: c._shortcmd("echo -err"))
attempt("echo", lambda: c._shortcmd("echo +OK \xe9t\xe9"))
attempt("bogus", lambda: c._shortcmd("BOGUS x"))
print("quit", c.quit(), c.sock, c.file)
# The dummy server answers a bad user or password with -ERR and then +OK anyway (as in CPython).
c = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
attempt("user invalid", lambda: c.user("invalid"))
attempt("pass_ after it", lambda: c.pass_("wrong"))
c.close()
c = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
attempt("too long", lambda: c._shortcmd("echo +%s" % ((poplib._MAXLINE + 10) * "a")))
c.close()`;

/** What poplib prints, the values test_poplib asserts included (stat() == (10, 100), …). */
const EXPECTED = [
  String.raw`welcome b'+OK dummy pop3 server ready. <timestamp>'`,
  String.raw`user b'+OK password required'`,
  String.raw`pass_ b'+OK 10 messages'`,
  String.raw`stat (10, 100)`,
  String.raw`list (b'+OK', [b'1 1', b'2 2', b'3 3', b'4 4', b'5 5'], 25)`,
  String.raw`list 1 b'+OK 1 1'`,
  String.raw`retr (b'+OK 116 bytes', [b'From: postmaster@python.org', b'Content-Type: text/plain', b'MIME-Version: 1.0', b'Subject: Dummy', b'', b'line1', b'line2', b'line3'], 113)`,
  String.raw`top (b'+OK 116 bytes', [b'From: postmaster@python.org', b'Content-Type: text/plain', b'MIME-Version: 1.0', b'Subject: Dummy', b'', b'line1', b'line2', b'line3'], 113)`,
  String.raw`dele b'+OK message marked for deletion.'`,
  String.raw`noop b'+OK done nothing.'`,
  String.raw`rpop b'+OK done nothing.'`,
  String.raw`apop b'+OK done nothing.'`,
  String.raw`uidl (b'+OK', [b'1 1', b'2 2', b'3 3', b'4 4', b'5 5'], 25)`,
  String.raw`uidl foo b'+OK foo foo'`,
  String.raw`capa {'UIDL': [], 'IMPLEMENTATION': ['python-testlib-pop-server']}`,
  String.raw`utf8 error_proto b'-ERR What is UTF8?!'`,
  String.raw`echo -err error_proto b'-err'`,
  String.raw`echo b'+OK \xc3\xa9t\xc3\xa9'`,
  String.raw`bogus error_proto b'-ERR unrecognized POP3 command "bogus".'`,
  String.raw`quit b'+OK closing.' None None`,
  String.raw`user invalid error_proto b'-ERR no such user'`,
  String.raw`pass_ after it b'+OK password required'`,
  String.raw`too long error_proto line too long`,
];

describe("examples/porting: test_poplib's POP3 server in Python and TypeScript", function () {
  this.timeout(15000);
  let children: Child[];

  beforeEach(() => {
    children = [];
  });

  afterEach(() => {
    for (const c of children) c.kill();
  });

  /** Start a server child with port 0; resolve with its port once it has printed it. */
  async function start(cmd: string, args: string[]): Promise<[Child, number]> {
    const child = new Child(cmd, [...args, "0"], { cwd: ROOT });
    children.push(child);
    const out = await child.wait_stdout((s) => /^\d+\n/.test(s), 10000, `${args.join(" ")} to print its port`);
    return [child, Number(out.split("\n")[0])];
  }

  /** Run the poplib session against a port; resolve with the lines it printed. */
  async function session(python3: string, port: number): Promise<string[]> {
    const client = new Child(python3, ["-W", "ignore", "-c", POPLIB_CLIENT, String(port)]);
    children.push(client);
    const r = await with_timeout(client.done, 10000, "the poplib client to finish");
    expect(r.code, `poplib client failed: ${r.stderr}`).to.equal(0);
    return r.stdout.trimEnd().split("\n");
  }

  it("poplib gets the same transcript from the TypeScript port as from the Python original", async function () {
    const python3 = python3_or_skip(this, "asyncore", "asynchat", "poplib");
    const [[py_child, py_port], [ts_child, ts_port]] = await Promise.all([
      start(python3, ["-W", "ignore", PY_SERVER]),
      start(process.execPath, [TS_SERVER]),
    ]);
    const [py, ts] = await Promise.all([session(python3, py_port), session(python3, ts_port)]);
    expect(ts).to.deep.equal(py);
    expect(py, "the Python transcript itself").to.deep.equal(EXPECTED);
    expect(ts).to.include("stat (10, 100)");
    expect(ts).to.include("list (b'+OK', [b'1 1', b'2 2', b'3 3', b'4 4', b'5 5'], 25)");
    expect(py_child.stderr + ts_child.stderr).to.equal("");
  });
});
