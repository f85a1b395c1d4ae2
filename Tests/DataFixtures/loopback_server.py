#!/usr/bin/env python3
"""A file server on 127.0.0.1 for the `bench fetch` tests: serves the files of ROOT by name,
honours `Range: bytes=N-` (206, 416), can break its first responses off halfway, and stops by
itself after --lifetime seconds. Prints its port on the first line of stdout; appends one line
per request ("GET /name range=<header or ->") to --log.

    loopback_server.py ROOT --log L [--drop-after N --drop-times K] [--ignore-range] [--lifetime S]
"""
import argparse
import http.server
import os
import socket
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("--log", required=True)
    parser.add_argument("--drop-after", type=int, help="close the connection once the file offset reaches N")
    parser.add_argument("--drop-times", type=int, default=1, help="how many responses to break off")
    parser.add_argument("--ignore-range", action="store_true", help="answer 200 with the whole file, always")
    parser.add_argument("--lifetime", type=float, default=60)
    args = parser.parse_args()
    state = {"drops": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def do_GET(self):
            requested = self.headers.get("Range")
            with open(args.log, "a") as log:
                log.write(f"GET {self.path} range={requested or '-'}\n")
            path = os.path.join(args.root, os.path.basename(self.path))
            if not os.path.isfile(path):
                self.send_error(404)
                return
            with open(path, "rb") as f:
                data = f.read()
            start = 0
            if requested and not args.ignore_range:
                start = int(requested.removeprefix("bytes=").split("-")[0])
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(len(data) - start))
            self.end_headers()
            end = len(data)
            if args.drop_after is not None and state["drops"] < args.drop_times and start < args.drop_after:
                state["drops"] += 1
                end = args.drop_after
            self.wfile.write(data[start:end])
            self.wfile.flush()
            if end < len(data):
                # Break the connection off: the client sees fewer bytes than Content-Length.
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    server.timeout = 0.2
    print(server.server_address[1], flush=True)
    deadline = time.monotonic() + args.lifetime
    while time.monotonic() < deadline:
        server.handle_request()
    server.server_close()


if __name__ == "__main__":
    sys.exit(main())
