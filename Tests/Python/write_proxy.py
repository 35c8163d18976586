"""A stand-in for GitHub's write endpoints in front of the read-only GitHub stand-in, for the endpoint tests.

Usage: write_proxy.py UPSTREAM_BASE_URL
GET and HEAD are relayed to UPSTREAM_BASE_URL with their headers (the answer, 304s included, comes back
as it is); POST, PATCH, PUT and DELETE succeed with 200 and a small JSON body, the way GitHub answers a
write. `GET /_proxy/writes` returns {"writes": [[METHOD, PATH], ...]}. The first stdout line is the
proxy's base URL (127.0.0.1, a free port).
"""

import json
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSTREAM = sys.argv[1].rstrip("/")
WRITES = []
LOCK = threading.Lock()
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "accept-encoding"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, headers, body):
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def relay(self):
        if self.path == "/_proxy/writes":
            with LOCK:
                body = json.dumps({"writes": WRITES}).encode()
            return self.reply(200, [("Content-Type", "application/json")], body)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        request = urllib.request.Request(UPSTREAM + self.path, method=self.command, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return self.reply(response.status, response.getheaders(), response.read())
        except urllib.error.HTTPError as error:
            return self.reply(error.code, error.headers.items(), error.read())

    def write(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        with LOCK:
            WRITES.append([self.command, self.path])
        body = json.dumps({"ok": True, "method": self.command, "path": self.path}).encode()
        self.reply(200, [("Content-Type", "application/json; charset=utf-8")], body)

    do_GET = relay
    do_HEAD = relay
    do_POST = write
    do_PATCH = write
    do_PUT = write
    do_DELETE = write


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
