"""A small TLS-terminating reverse proxy (standard library only) for clients that insist
on HTTPS, such as `clickhousectl udf create` uploading to the presigned `uploadUrl`.

`make_cert(dir)` writes a throwaway CA and a leaf certificate for 127.0.0.1 with the
`openssl` CLI (fails loudly when it is missing); `start(upstream, cert, key)` serves
https://127.0.0.1:PORT on a daemon thread and forwards every request to the plain-HTTP
`upstream`; answers `(server, "https://127.0.0.1:PORT")`.

It forwards requests as they are (no header rewrite): the upload hook takes the CLI's
`application/zip` archive as sent, so any TLS-terminating proxy (nginx, Caddy) does.
"""
import http.client
import http.server
import os
import shutil
import ssl
import subprocess
import threading
import urllib.parse

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate", "host", "content-length"}


def make_cert(directory):
    """Writes ca.pem (the trust anchor for SSL_CERT_FILE), cert.pem and key.pem."""
    openssl = shutil.which("openssl")
    if not openssl:
        raise SystemExit("FAILED: the `openssl` CLI is needed to make the proxy's certificate; install openssl")

    def run(*args):
        r = subprocess.run([openssl, *args], capture_output=True, text=True, cwd=directory, timeout=30)
        if r.returncode != 0:
            raise SystemExit(f"FAILED: openssl {' '.join(args[:2])}: {r.stderr.strip()}")

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
        "-subj", "/CN=dbaas-sim CI CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "leaf.csr", "-subj", "/CN=127.0.0.1")
    with open(os.path.join(directory, "leaf.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "cert.pem", "-days", "1", "-extfile", "leaf.ext")
    return tuple(os.path.join(directory, n) for n in ("ca.pem", "cert.pem", "key.pem"))


def start(upstream, cert, key):
    target = urllib.parse.urlsplit(upstream)

    class Forward(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def forward(self):
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
            try:
                conn.request(self.command, self.path, body=body, headers=headers)
                r = conn.getresponse()
                data = r.read()
            finally:
                conn.close()
            self.send_response(r.status)
            for k, v in r.getheaders():
                if k.lower() not in HOP_BY_HOP:
                    self.send_header(k, v)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = do_HEAD = forward

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forward)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"https://127.0.0.1:{server.server_address[1]}"
