"""An SMTP server on loopback that keeps every mail it receives, for tests that follow mail."""

import socketserver
import threading
from contextlib import contextmanager


class _Handler(socketserver.StreamRequestHandler):
    """Just enough SMTP: every command is answered 250, DATA is kept until the lone dot."""

    def handle(self):
        self.wfile.write(b"220 sink\r\n")
        data, in_data = [], False
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace")
            if in_data:
                if line in (".\r\n", ".\n"):
                    self.server.mails.append("".join(data))
                    data, in_data = [], False
                    self.wfile.write(b"250 ok\r\n")
                else:
                    data.append(line)
                continue
            verb = line[:4].upper()
            if verb == "DATA":
                in_data = True
                self.wfile.write(b"354 go\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            elif verb in ("EHLO", "HELO"):
                self.wfile.write(b"250 sink\r\n")
            else:
                self.wfile.write(b"250 ok\r\n")


@contextmanager
def mail_sink():
    """Yields the running server: ``server.mails`` (raw mails, in order of arrival) and
    ``server.server_address[1]`` (its port on 127.0.0.1)."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
    server.mails = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
