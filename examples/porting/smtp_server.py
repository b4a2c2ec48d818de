"""A small SMTP server in classic asyncore/asynchat style, after CPython's smtpd.
Usage: python3 -W ignore smtp_server.py [port [data_size_limit]]; prints the bound port."""
import asynchat
import asyncore
import hashlib
import socket
import sys

__version__ = "Python SMTP proxy version 0.3"
SYNTAX = {
    "EHLO": "EHLO hostname", "HELO": "HELO hostname", "MAIL": "MAIL FROM: <address>",
    "RCPT": "RCPT TO: <address>", "DATA": "DATA", "RSET": "RSET", "NOOP": "NOOP",
    "QUIT": "QUIT", "VRFY": "VRFY <address>",
}


def parse_path(keyword, arg):
    """'FROM:<a@b> SIZE=10' -> ('a@b', {'SIZE': '10'}); ('', {}) when malformed."""
    if not arg or arg[:len(keyword)].upper() != keyword or not arg[len(keyword):].strip():
        return "", {}
    address, *words = arg[len(keyword):].split()
    if address.startswith("<") and address.endswith(">"):
        address = address[1:-1] or "<>"
    params = [word.upper().partition("=") for word in words]
    return address, {key: value for key, _, value in params}


class SMTPChannel(asynchat.async_chat):
    COMMAND = 0
    DATA = 1
    command_size_limit = 512

    def __init__(self, server, conn, addr):
        asynchat.async_chat.__init__(self, conn)
        self.smtp_server = server
        self.peer = addr
        self.seen_greeting = ""
        self.extended_smtp = False
        self.received_lines = []
        self.reset_state()
        self.push("220 %s %s" % (server.fqdn, __version__))

    def reset_state(self):
        self.smtp_state = self.COMMAND
        self.mailfrom = None
        self.rcpttos = []
        self.num_bytes = 0
        self.set_terminator(b"\r\n")

    def push(self, msg):
        asynchat.async_chat.push(self, (msg + "\r\n").encode())

    def collect_incoming_data(self, data):
        in_data = self.smtp_state == self.DATA
        limit = self.smtp_server.data_size_limit if in_data else self.command_size_limit
        if self.num_bytes <= limit:
            self.received_lines.append(data)
        self.num_bytes += len(data)

    def found_terminator(self):
        line = b"".join(self.received_lines)
        self.received_lines = []
        if self.smtp_state == self.DATA:
            if self.num_bytes > self.smtp_server.data_size_limit:
                self.push("552 Error: Too much mail data")
            else:
                lines = [text[1:] if text.startswith(b".") else text
                         for text in line.split(b"\r\n")]
                status = self.smtp_server.process_message(
                    self.peer, self.mailfrom, self.rcpttos, b"\n".join(lines))
                self.push(status or "250 OK")
            self.reset_state()
            return
        too_long = self.num_bytes > self.command_size_limit
        self.num_bytes = 0
        text, _, rest = line.decode("latin-1").partition(" ")
        command, arg = text.upper(), rest.strip() or None
        method = getattr(self, "smtp_" + command, None)
        if not line:
            self.push("500 Error: bad syntax")
        elif too_long:
            self.push("500 Error: line too long")
        elif not method:
            self.push('500 Error: command "%s" not recognized' % command)
        elif command in ("MAIL", "RCPT", "DATA") and not self.seen_greeting:
            self.push("503 Error: send HELO first")
        else:
            method(arg)

    def smtp_HELO(self, arg):
        if not arg:
            self.push("501 Syntax: HELO hostname")
        elif self.seen_greeting:
            self.push("503 Duplicate HELO/EHLO")
        else:
            self.seen_greeting = arg
            self.push("250 %s" % self.smtp_server.fqdn)

    def smtp_EHLO(self, arg):
        if not arg:
            self.push("501 Syntax: EHLO hostname")
        elif self.seen_greeting:
            self.push("503 Duplicate HELO/EHLO")
        else:
            self.seen_greeting = arg
            self.extended_smtp = True
            self.push("250-%s" % self.smtp_server.fqdn)
            self.push("250-SIZE %d" % self.smtp_server.data_size_limit)
            self.push("250-8BITMIME")
            self.push("250 HELP")

    def smtp_MAIL(self, arg):
        address, params = parse_path("FROM:", arg)
        size = params.get("SIZE", "0")
        if self.mailfrom:
            self.push("503 Error: nested MAIL command")
        elif not address or not size.isdecimal() or (params and not self.extended_smtp):
            self.push("501 Syntax: MAIL FROM: <address>")
        elif int(size) > self.smtp_server.data_size_limit:
            self.push("552 Error: message size exceeds fixed maximum message size")
        else:
            self.mailfrom = address
            self.push("250 OK")

    def smtp_RCPT(self, arg):
        address, params = parse_path("TO:", arg)
        if not self.mailfrom:
            self.push("503 Error: need MAIL command")
        elif not address or params:
            self.push("501 Syntax: RCPT TO: <address>")
        else:
            self.rcpttos.append(address)
            self.push("250 OK")

    def smtp_DATA(self, arg):
        if not self.rcpttos:
            self.push("503 Error: need RCPT command")
        elif arg:
            self.push("501 Syntax: DATA")
        else:
            self.smtp_state = self.DATA
            self.set_terminator(b"\r\n.\r\n")
            self.push("354 End data with <CR><LF>.<CR><LF>")

    def smtp_RSET(self, arg):
        if arg:
            self.push("501 Syntax: RSET")
        else:
            self.reset_state()
            self.push("250 OK")

    def smtp_NOOP(self, arg):
        self.push("501 Syntax: NOOP" if arg else "250 OK")

    def smtp_QUIT(self, arg):
        self.push("221 Bye")
        self.close_when_done()

    def smtp_VRFY(self, arg):
        address, params = parse_path("", arg)
        if address and not params:
            self.push("252 Cannot VRFY user, but will accept message and attempt delivery")
        else:
            self.push("501 Syntax: VRFY <address>")

    def smtp_HELP(self, arg):
        if arg and arg.upper() in SYNTAX:
            self.push("250 Syntax: " + SYNTAX[arg.upper()])
        else:
            self.push("%d Supported commands: %s" % (501 if arg else 250, " ".join(SYNTAX)))


class SMTPServer(asyncore.dispatcher):
    def __init__(self, localaddr, data_size_limit=33554432):
        asyncore.dispatcher.__init__(self)
        self.data_size_limit = data_size_limit
        self.fqdn = socket.gethostname()
        self.create_socket(socket.AF_INET, socket.SOCK_STREAM)
        self.set_reuse_addr()
        self.bind(localaddr)
        self.listen(5)

    def handle_accepted(self, conn, addr):
        SMTPChannel(self, conn, addr)

    def process_message(self, peer, mailfrom, rcpttos, data):
        digest = hashlib.sha256(data).hexdigest()[:16]
        print("%s:%d: %s -> %s, %d bytes, sha256 %s"
              % (*peer, mailfrom, ", ".join(rcpttos), len(data), digest), flush=True)


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8025
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 33554432
    server = SMTPServer(("127.0.0.1", port), limit)
    print(server.socket.getsockname()[1], flush=True)
    asyncore.loop()
