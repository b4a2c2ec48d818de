# CPython's own test_ftplib server (DummyFTPServer, or DummyTLS_FTPServer with its SSLConnection
# mixin) as a child process: prints its port, serves until stdin closes.
#
#   python3 ftp_dummy_server.py plain|tls CERTFILE
#
# CERTFILE (key and certificate in one PEM) replaces test_ftplib's own keycert3.pem, so that the
# client can verify this server against the same CA as examples/ftp_server.ts.
import sys, warnings

warnings.simplefilter("ignore")
from test import test_ftplib

mode, certfile = sys.argv[1], sys.argv[2]
test_ftplib.CERTFILE = certfile
servers = []
for host, af in (("127.0.0.1", test_ftplib.socket.AF_INET), ("::1", test_ftplib.socket.AF_INET6)):
    cls = test_ftplib.DummyTLS_FTPServer if mode == "tls" else test_ftplib.DummyFTPServer
    servers.append(cls((host, 0), af=af))
# One thread runs asyncore's loop over the shared socket_map for both listeners.
servers[0].start()
print(servers[0].port, servers[1].port, flush=True)
sys.stdin.read()
servers[0].stop()
