"""A consuming platform for the push tests (Art 14): checks each push's HMAC, applies a change
once per Idempotency-Key (a change delivered twice has no second effect), and answers 503 while
the file `down` exists in its folder, 422 for sequence N while `refuse-N` exists.
Usage: push-consumer.py FOLDER SECRET. Writes its port to FOLDER/port, every request's key to
FOLDER/requests.log, every applied change to FOLDER/applied.jsonl."""
import hashlib, hmac, json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

folder, secret = sys.argv[1], sys.argv[2].encode()
applied_path = os.path.join(folder, "applied.jsonl")
seen = set()
if os.path.exists(applied_path):
    with open(applied_path) as f:
        seen = {json.loads(line)["key"] for line in f if line.strip()}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        key = self.headers.get("Idempotency-Key", "")
        sequence = self.headers.get("X-Publication-Sequence", "")
        with open(os.path.join(folder, "requests.log"), "a") as f:
            f.write(key + "\n")
        if os.path.exists(os.path.join(folder, "down")):
            return self.reply(503)
        if os.path.exists(os.path.join(folder, "refuse-" + sequence)):
            return self.reply(422)
        expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(self.headers.get("X-Publication-Signature", ""), expected):
            return self.reply(401)
        entry = json.loads(body)
        if key not in seen:
            seen.add(key)
            with open(applied_path, "a") as f:
                f.write(json.dumps({"key": key, "sequence": entry["sequence"], "itemId": entry["itemId"]}) + "\n")
                f.flush()
                os.fsync(f.fileno())
        self.reply(200)

    def reply(self, status):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(folder, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.replace(os.path.join(folder, "port.tmp"), os.path.join(folder, "port"))
server.serve_forever()
