# CPython's ftplib driving an FTP server through one scripted session; prints one JSON line per step.
#
#   python3 ftp_session.py HOST PORT SESSION TLS CAFILE [PORT6]
#
# SESSION "compare": only what test_ftplib's DummyFTPServer can answer too (its fixed RETR data,
# STOR into nothing, ...), so that the same session runs against it and against
# examples/ftp_server.ts (whose store holds RETR_DATA as /file) and the transcripts can be compared.
# SESSION "store": the example's file store: a multi-MiB file both ways, APPE, REST, listings.
# TLS "tls" uses ftplib.FTP_TLS verifying against CAFILE (explicit AUTH TLS, PROT P, CCC); "plain" ftplib.FTP.
import ftplib, hashlib, io, json, random, socket, ssl, sys

host, port, session, mode, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
port6 = int(sys.argv[6]) if len(sys.argv) > 6 else port
tls = mode == "tls"
RETR_DATA = 'abcde\xB9\xB2\xB3\xA4\xA6\r\n' * 1000


def out(step, value):
    print(json.dumps([step, value]), flush=True)


def attempt(step, fn):
    try:
        out(step, fn())
    except (ftplib.Error, OSError, EOFError, ValueError) as e:
        out(step, "%s: %s" % (type(e).__name__, e))


def digest(data):
    return [len(data), hashlib.sha256(data).hexdigest()]


def retr(f, cmd, rest=None, blocksize=8192):
    got = bytearray()
    resp = f.retrbinary(cmd, got.extend, blocksize, rest)
    return [resp] + digest(bytes(got))


def retrlines(f, cmd):
    lines = []
    resp = f.retrlines(cmd, lines.append)
    return [resp, len(lines), hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()]


def stor(f, cmd, data, rest=None):
    return [f.storbinary(cmd, io.BytesIO(data), 8192, None, rest)] + digest(data)


def connect(h=host, p=port):
    if tls:
        ctx = ssl.create_default_context(cafile=cafile)
        f = ftplib.FTP_TLS(context=ctx, timeout=20)
    else:
        f = ftplib.FTP(timeout=20)
    out("welcome", f.connect(h, p))
    return f


def compare():
    f = connect()
    if tls:
        attempt("auth", f.auth)
        attempt("auth twice", f.auth)
        out("control is TLS", f.sock.cipher() is not None)
    attempt("login", f.login)
    attempt("acct", lambda: f.acct("passwd"))
    if tls:
        attempt("prot bogus", lambda: f.voidcmd("PROT X"))
        attempt("prot_p", f.prot_p)
    attempt("retrbinary", lambda: retr(f, "RETR file"))
    # test_ftplib's server cuts its text at REST characters, not bytes: the same below the first non-ASCII one.
    attempt("retrbinary rest", lambda: retr(f, "RETR file", rest=5))
    attempt("retrlines", lambda: retrlines(f, "RETR file"))
    attempt("storbinary", lambda: stor(f, "STOR a", b"stored bytes " * 1000))
    attempt("storlines", lambda: f.storlines("STOR b", io.BytesIO(b"line 1\r\nline 2\r\n")))
    attempt("rename", lambda: f.rename("a", "c"))
    attempt("delete", lambda: f.delete("c"))
    attempt("mkd", lambda: f.mkd("/newdir"))
    attempt("cwd", lambda: f.cwd("/newdir"))
    attempt("cwd back", lambda: f.cwd("/"))
    attempt("rmd", lambda: f.rmd("/newdir"))
    attempt("noop", lambda: f.voidcmd("NOOP"))
    # Answered differently by design (test_ftplib's server pretends, the example's store answers):
    attempt("pwd", f.pwd)
    attempt("size", lambda: f.size("file"))
    attempt("nlst", f.nlst)
    attempt("mlsd", lambda: [name for name, facts in f.mlsd()])
    attempt("dir", lambda: len(dir_lines(f)))
    attempt("type", lambda: f.voidcmd("TYPE I"))
    attempt("bogus command", lambda: f.sendcmd("BOGUS arg"))
    f.set_pasv(False)
    attempt("active retrbinary", lambda: retr(f, "RETR file"))
    attempt("active storbinary", lambda: stor(f, "STOR a", b"x" * 5000))
    f.set_pasv(True)
    attempt("abort", f.abort)
    if tls:
        attempt("prot_c", f.prot_c)
        attempt("clear retrbinary", lambda: retr(f, "RETR file"))
        attempt("prot_p again", f.prot_p)
        attempt("ccc", f.ccc)
        out("control is TLS after ccc", f.sock.cipher() is not None)
        attempt("noop after ccc", lambda: f.voidcmd("NOOP"))
        attempt("retrbinary after ccc", lambda: retr(f, "RETR file"))
        attempt("prot_c after ccc", f.prot_c)
        attempt("clear retrbinary after ccc", lambda: retr(f, "RETR file"))
    attempt("quit", f.quit)
    # IPv6: EPSV and EPRT (ftplib uses them on an AF_INET6 control connection).
    f = connect("::1", port6)
    attempt("v6 login", f.login)
    if tls:
        attempt("v6 prot_p", f.prot_p)
    attempt("v6 epsv retrbinary", lambda: retr(f, "RETR file"))
    f.set_pasv(False)
    attempt("v6 eprt retrbinary", lambda: retr(f, "RETR file"))
    attempt("v6 quit", f.quit)


def store():
    rnd = random.Random(20261129)
    big = rnd.randbytes(5 * 1024 * 1024 + 12345)
    f = connect()
    attempt("login", f.login)
    if tls:
        attempt("prot_p", f.prot_p)
    attempt("pwd", f.pwd)
    attempt("mkd", lambda: f.mkd("dir \u00e9"))
    attempt("cwd", lambda: f.cwd("dir \u00e9"))
    attempt("pwd in dir", f.pwd)
    attempt("stor big", lambda: stor(f, "STOR big.bin", big))
    attempt("size big", lambda: f.size("big.bin"))
    attempt("retr big", lambda: retr(f, "RETR big.bin", blocksize=65536))
    attempt("retr big rest", lambda: retr(f, "RETR big.bin", rest=5 * 1024 * 1024))
    attempt("stor rest", lambda: stor(f, "STOR big.bin", b"TAIL", rest=1000))
    attempt("size after rest", lambda: f.size("big.bin"))
    attempt("retr after rest", lambda: retr(f, "RETR big.bin"))
    attempt("stor small", lambda: stor(f, "STOR small.txt", b"one\r\ntwo\r\n"))
    attempt("appe", lambda: stor(f, "APPE small.txt", b"three\r\n"))
    attempt("retrlines", lambda: retrlines(f, "RETR small.txt"))
    attempt("stor empty", lambda: stor(f, "STOR empty", b""))
    attempt("retr empty", lambda: retr(f, "RETR empty"))
    attempt("nlst", f.nlst)
    attempt("mlsd", lambda: [[name, facts["type"], facts.get("size")] for name, facts in f.mlsd()])
    attempt("dir", lambda: [line.split()[0] + " " + line.split()[4] + " " + line.split(None, 8)[8] for line in dir_lines(f)])
    f.set_pasv(False)
    attempt("active retr big", lambda: retr(f, "RETR big.bin"))
    attempt("active stor", lambda: stor(f, "STOR active.bin", big[:1000000]))
    attempt("active nlst", f.nlst)
    attempt("retr without pasv", lambda: f.sendcmd("RETR big.bin"))
    f.set_pasv(True)
    attempt("retr missing", lambda: retr(f, "RETR nothing-here"))
    attempt("size missing", lambda: f.size("nothing-here"))
    attempt("cwd missing", lambda: f.cwd("/nothing-here"))
    attempt("rename", lambda: f.rename("small.txt", "/moved.txt"))
    attempt("rnto without rnfr", lambda: f.voidcmd("RNTO x"))
    attempt("delete", lambda: f.delete("/moved.txt"))
    attempt("rmd not empty", lambda: f.rmd("/dir \u00e9"))
    for name in ("big.bin", "empty", "active.bin"):
        attempt("delete " + name, lambda: f.delete(name))
    attempt("cwd up", lambda: f.cwd(".."))
    attempt("rmd", lambda: f.rmd("dir \u00e9"))
    attempt("nlst root", f.nlst)
    if tls:
        attempt("ccc", f.ccc)
        attempt("stor after ccc", lambda: stor(f, "STOR after.bin", big[:300000]))
        attempt("prot_c", f.prot_c)
        attempt("retr clear after ccc", lambda: retr(f, "RETR after.bin"))
    attempt("quit", f.quit)


def dir_lines(f):
    lines = []
    f.dir(lines.append)
    return lines


if session == "compare":
    compare()
else:
    store()
print(json.dumps(["DONE", None]), flush=True)
