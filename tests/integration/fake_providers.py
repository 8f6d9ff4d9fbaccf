"""fake_providers.py - loopback stand-ins for the providers `custos check`
calls. Each route answers 200 only for the exact authentication headers
the real provider wants (and the good test credential), 401/403 otherwise.
The STS route verifies the SigV4 signature itself, with hmac and hashlib,
independently of custos. Prints the port, then serves until killed.
Run with /usr/bin/python3."""
import hashlib
import hmac
import json
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GOOD = {
    "openai": "sk-good-openai-0123456789",
    "anthropic": "sk-ant-good-0123456789",
    "hf": "hf_goodtoken0123456789",
    "github": "ghp_goodtoken0123456789",
    "pinecone": "pcsk_goodkey0123456789",
    "weaviate": "weaviate-good-key",
    "ollama": "ollama-good-key",
    "slack": "xoxb-good-0123456789",
}
AWS = {"AKIAFAKEGOOD00000001": ("fakeSecretKeyGood/0123456789abcdefghijklm", None),
       "ASIAFAKESESSION00001": ("fakeSecretKeySession/0123456789abcdefghij", "FQoGZXIvYXdzEFAKEsessiontoken==")}


def sigv4_ok(method, path, headers, body):
    """Recomputes the AWS Signature Version 4 of an STS request."""
    auth = headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return False
    parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    key_id, date, region, service, term = parts["Credential"].split("/")
    if key_id not in AWS or service != "sts" or term != "aws4_request":
        return False
    secret, token = AWS[key_id]
    if token is not None and headers.get("X-Amz-Security-Token") != token:
        return False
    signed = parts["SignedHeaders"].split(";")
    for must in ("host", "x-amz-date", "content-type"):
        if must not in signed:
            return False
    amz_date = headers.get("X-Amz-Date", "")
    if not amz_date.startswith(date) or abs(time.time() - time.mktime(time.strptime(amz_date, "%Y%m%dT%H%M%SZ")) + time.timezone) > 900:
        return False
    canon_headers = "".join("%s:%s\n" % (h, " ".join(headers.get(h, "").split())) for h in signed)
    creq = "\n".join([method, urllib.parse.quote(path, safe="/~"), "", canon_headers,
                      ";".join(signed), hashlib.sha256(body).hexdigest()])
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, "/".join([date, region, service, term]),
                     hashlib.sha256(creq.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for m in (date, region, service, term):
        k = hmac.new(k, m.encode(), hashlib.sha256).digest()
    want = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, parts["Signature"])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"{}", ctype="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def bearer(self, name):
        return self.headers.get("Authorization") == "Bearer " + GOOD[name]

    def do_GET(self):
        p, h = self.path, self.headers
        if not h.get("User-Agent", "").startswith("custos/"):
            return self.reply(400)
        if p == "/openai/v1/models":
            ok = self.bearer("openai") and h.get("OpenAI-Organization") in (None, "org-good")
        elif p == "/anthropic/v1/models":
            ok = h.get("x-api-key") == GOOD["anthropic"] and h.get("anthropic-version") == "2023-06-01" \
                and "Authorization" not in h
        elif p == "/hf/api/whoami-v2":
            ok = self.bearer("hf")
        elif p == "/github/user":
            ok = self.bearer("github") and h.get("X-GitHub-Api-Version") == "2022-11-28" \
                and h.get("Accept") == "application/vnd.github+json"
        elif p == "/pinecone/indexes":
            ok = h.get("Api-Key") == GOOD["pinecone"] and "Authorization" not in h
        elif p == "/weaviate/v1/meta":
            ok = self.bearer("weaviate")
        elif p == "/ollama/api/tags":
            ok = "Authorization" not in h or self.bearer("ollama")
        elif p.startswith("/slow/"):
            time.sleep(5)
            ok = True
        elif p.startswith("/broken/"):
            return self.reply(500)
        elif p.startswith("/redirect/"):
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1/steal")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        else:
            return self.reply(404)
        self.reply(200 if ok else 401)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        if self.path == "/slack/api/auth.test":
            ok = self.bearer("slack")
            out = {"ok": True, "team": "t"} if ok else {"ok": False, "error": "invalid_auth"}
            return self.reply(200, json.dumps(out).encode())
        if self.path == "/":
            good = body == b"Action=GetCallerIdentity&Version=2011-06-15" and \
                self.headers.get("Content-Type") == "application/x-www-form-urlencoded; charset=utf-8" and \
                sigv4_ok("POST", "/", self.headers, body)
            if good:
                return self.reply(200, b"<GetCallerIdentityResponse><GetCallerIdentityResult>"
                                  b"<Arn>arn:aws:iam::123456789012:user/custos</Arn>"
                                  b"</GetCallerIdentityResult></GetCallerIdentityResponse>", "text/xml")
            return self.reply(403, b"<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code>"
                              b"</Error></ErrorResponse>", "text/xml")
        self.reply(404)


if __name__ == "__main__":
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()
