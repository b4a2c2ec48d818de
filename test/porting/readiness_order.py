# CPython's side of test/porting/readiness_order.test.ts: a connection completes on a listener,
# then a line arrives on another channel; both are ready when one loop(count=1) iteration runs.
# Prints the order the handlers ran in, for the listener created before the channel ("early")
# and after it ("late").
import asyncore, socket, sys, time

def run(listener_first):
    events, m = [], {}
    class Chan(asyncore.dispatcher):
        def handle_read(self):
            if self.recv(100): events.append("line")
        def writable(self): return False
    class Listener(asyncore.dispatcher):
        def handle_accepted(self, sock, addr):
            events.append("accept"); sock.close()
        def writable(self): return False
    a, x = socket.socketpair()
    def make_listener():
        l = Listener(socket.create_server(("127.0.0.1", 0)), m); l.accepting = True; return l
    if listener_first: l = make_listener(); c = Chan(a, m)
    else: c = Chan(a, m); l = make_listener()
    y = socket.create_connection(l.socket.getsockname())   # completes first
    time.sleep(0.05)
    x.send(b"x\n")                                          # then the line
    time.sleep(0.1)
    asyncore.loop(timeout=0, map=m, count=1)
    x.close(); y.close(); asyncore.close_all(m)
    return events

print(" ".join(run(True)) + "|" + " ".join(run(False)))
