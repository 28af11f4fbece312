#!/usr/bin/env python3
"""A scripted OpenAI chat-completions server for tests.

Usage: scripted_llm_server.py SCRIPT.json LOG.jsonl
Prints the port it listens on (127.0.0.1), then answers every POST from the
script, one step per request, in order; past the end the last step repeats.
A step is {"status": 200, "content": "...", "delay": 0, "headers": {...}}
or {"status": 500, "body": "..."} for a raw body. Every request is appended
to LOG.jsonl as {"path", "auth", "body"} before the answer is sent.
Standard library only.
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

script_path, log_path = sys.argv[1], sys.argv[2]
with open(script_path) as f:
    script = json.load(f)
lock = threading.Lock()
served = [0]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with lock:
            i = served[0]
            served[0] += 1
            with open(log_path, "a") as log:
                log.write(json.dumps({"path": self.path,
                                      "auth": self.headers.get("Authorization", ""),
                                      "body": body}) + "\n")
        step = script[min(i, len(script) - 1)] if script else {"status": 500}
        if step.get("delay"):
            time.sleep(step["delay"])
        if "content" in step:
            payload = json.dumps({
                "id": "chatcmpl-test", "object": "chat.completion",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": step["content"]}}],
                "usage": {"prompt_tokens": step.get("prompt_tokens", 100),
                          "completion_tokens": step.get("completion_tokens", 20)}})
        else:
            payload = step.get("body", json.dumps({"error": {"message": "scripted error"}}))
        data = payload.encode()
        self.send_response(step.get("status", 200))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in step.get("headers", {}).items():
            self.send_header(key, value)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
