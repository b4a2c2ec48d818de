# Benchmark servers on CPython's own asyncore/asynchat: echo, chat_line, chat_bulk. Prints its port.
import asyncore, asynchat, socket, sys, warnings
warnings.simplefilter("ignore")

class Echo(asyncore.dispatcher_with_send):
    def handle_read(self):
        d = self.recv(8192)
        if d:
            self.send(d)

class ChatLine(asynchat.async_chat):
    def __init__(self, sock):
        asynchat.async_chat.__init__(self, sock)
        self.buf = []
        self.set_terminator(b"\n")
    def collect_incoming_data(self, data):
        self.buf.append(data)
    def found_terminator(self):
        self.push(b"".join(self.buf) + b"\n")
        self.buf = []

class ChatBulk(asynchat.async_chat):
    def __init__(self, sock):
        asynchat.async_chat.__init__(self, sock)
        self.set_terminator(None)
    def collect_incoming_data(self, data):
        self.push(data)
    def found_terminator(self):
        pass

class Server(asyncore.dispatcher):
    def __init__(self, handler):
        asyncore.dispatcher.__init__(self)
        self.handler = handler
        self.create_socket(socket.AF_INET, socket.SOCK_STREAM)
        self.set_reuse_addr()
        self.bind(("127.0.0.1", 0))
        self.listen(1024)
    def handle_accepted(self, sock, addr):
        self.handler(sock)

kind, mode = sys.argv[1], sys.argv[2]
s = Server({"echo": Echo, "chat_line": ChatLine, "chat_bulk": ChatBulk}[kind])
print(s.socket.getsockname()[1], flush=True)
asyncore.loop(timeout=1, use_poll=(mode == "poll"))
