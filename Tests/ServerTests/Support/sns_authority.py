#!/usr/bin/env python3
"""A loopback stand-in for Amazon's SNS certificate hosting, for tests (a real AWS host cannot be reached here).

usage: sns_authority.py DIR

Makes a test CA (root -> intermediate -> SNS signing certificates), writes DIR/ca.pem, and serves:
  - an HTTP proxy on loopback: CONNECT to any host:443 is tunnelled to its own TLS server, whose certificate is
    for sns.us-east-1.amazonaws.com (issued by the test root); an absolute-form GET of
    http://crt.test.amazontrust.com/intermediate.der answers the intermediate (Authority Information Access);
  - on that TLS server: /SimpleNotificationService-chain.pem (leaf + intermediate), -leaf.pem (leaf alone, its
    issuer reachable by AIA), -expired.pem (an expired leaf), -rogue.pem (self-signed: no chain to the root).
Prints one JSON line: {"proxy": "http://127.0.0.1:PORT", "messages": {variant: signed SNS JSON}}, then serves
until killed. Every request is appended to DIR/requests.log.
"""
import base64, datetime, json, os, socket, ssl, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

DIR = sys.argv[1]
NOW = datetime.datetime.now(datetime.timezone.utc)
HOST = "sns.us-east-1.amazonaws.com"
AIA_URL = "http://crt.test.amazontrust.com/intermediate.der"


def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def certificate(subject, issuer_name, public_key, signing_key, ca, start, end, aia=None, san=None):
    builder = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
               .public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
    if aia:
        builder = builder.add_extension(x509.AuthorityInformationAccess(
            [x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(aia))]),
            critical=False)
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def pem(*certificates):
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


day = datetime.timedelta(days=1)
root_key, intermediate_key, leaf_key, expired_key, rogue_key, tls_key = (key() for _ in range(6))
root = certificate("Test Root CA", "Test Root CA", root_key.public_key(), root_key, True, NOW - day, NOW + 365 * day)
intermediate = certificate("Test SNS Intermediate", "Test Root CA", intermediate_key.public_key(), root_key, True,
                           NOW - day, NOW + 365 * day)
leaf = certificate("sns.amazonaws.com", "Test SNS Intermediate", leaf_key.public_key(), intermediate_key, False,
                   NOW - day, NOW + 30 * day, aia=AIA_URL)
expired = certificate("sns.amazonaws.com", "Test SNS Intermediate", expired_key.public_key(), intermediate_key, False,
                      NOW - 60 * day, NOW - 30 * day)
rogue = certificate("sns.amazonaws.com", "sns.amazonaws.com", rogue_key.public_key(), rogue_key, False, NOW - day,
                    NOW + 30 * day)
tls = certificate(HOST, "Test Root CA", tls_key.public_key(), root_key, False, NOW - day, NOW + 30 * day, san=HOST)

with open(os.path.join(DIR, "ca.pem"), "wb") as f:
    f.write(pem(root))
with open(os.path.join(DIR, "tls.pem"), "wb") as f:
    f.write(pem(tls) + tls_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                             serialization.NoEncryption()))

FILES = {
    "/SimpleNotificationService-chain.pem": pem(leaf, intermediate),
    "/SimpleNotificationService-leaf.pem": pem(leaf),
    "/SimpleNotificationService-expired.pem": pem(expired, intermediate),
    "/SimpleNotificationService-rogue.pem": pem(rogue),
}
LOG_LOCK = threading.Lock()


def log(line):
    with LOG_LOCK, open(os.path.join(DIR, "requests.log"), "a") as f:
        f.write(line + "\n")


def answer(handler, body):
    """200 with `body`, or 404 when there is none."""
    handler.send_response(200 if body else 404)
    handler.send_header("Content-Length", str(len(body or b"")))
    handler.end_headers()
    handler.wfile.write(body or b"")


class TLSHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        log("GET https://" + HOST + self.path)
        answer(self, FILES.get(self.path))

    def log_message(self, *args):
        pass


tls_server = ThreadingHTTPServer(("127.0.0.1", 0), TLSHandler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(os.path.join(DIR, "tls.pem"))
tls_server.socket = context.wrap_socket(tls_server.socket, server_side=True)
threading.Thread(target=tls_server.serve_forever, daemon=True).start()


class IssuerHandler(BaseHTTPRequestHandler):
    """The CA's issuer URL, plain HTTP as AIA usually is (the certificate it serves is verified by its signature)."""

    def do_GET(self):
        log("GET http://crt.test.amazontrust.com" + self.path)
        answer(self, intermediate.public_bytes(serialization.Encoding.DER) if self.path == "/intermediate.der" else None)

    def log_message(self, *args):
        pass


issuer_server = ThreadingHTTPServer(("127.0.0.1", 0), IssuerHandler)
threading.Thread(target=issuer_server.serve_forever, daemon=True).start()


class ProxyHandler(BaseHTTPRequestHandler):
    def do_CONNECT(self):
        log("CONNECT " + self.path)
        target = issuer_server if self.path.endswith(":80") else tls_server
        upstream = socket.create_connection(("127.0.0.1", target.server_address[1]))
        self.send_response(200, "Connection established")
        self.end_headers()
        client = self.connection

        def pipe(source, target):
            try:
                while True:
                    data = source.recv(65536)
                    if not data:
                        break
                    target.sendall(data)
            except OSError:
                pass
            finally:
                for s in (source, target):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
        pipe(client, upstream)

    def do_GET(self):
        log("GET " + self.path)
        answer(self, intermediate.public_bytes(serialization.Encoding.DER) if self.path == AIA_URL else None)

    def log_message(self, *args):
        pass


proxy = ThreadingHTTPServer(("127.0.0.1", 0), ProxyHandler)


def message(variant, signing_key, alarm):
    body = {
        "Type": "Notification", "MessageId": "msg-" + variant, "TopicArn": "arn:aws:sns:us-east-1:123456789012:cw",
        "Subject": "ALARM: \"%s\"" % alarm,
        "Message": json.dumps({"AlarmName": alarm, "AlarmDescription": alarm + " fired", "NewStateValue": "ALARM",
                               "NewStateReason": "test", "StateChangeTime": "2026-11-20T14:03:07.318+0000",
                               "Region": "US East (N. Virginia)", "AlarmArn": "arn:aws:cloudwatch:us-east-1:1:alarm:" + alarm,
                               "OldStateValue": "OK", "Trigger": {"MetricName": "Errors", "Namespace": "Test"}}),
        "Timestamp": "2026-11-20T14:03:07.318Z", "SignatureVersion": "2",
        "SigningCertURL": "https://%s/SimpleNotificationService-%s.pem" % (HOST, variant),
    }
    text = "".join("%s\n%s\n" % (k, body[k]) for k in ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"])
    body["Signature"] = base64.b64encode(signing_key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
    return json.dumps(body)


messages = {
    "chain": message("chain", leaf_key, "chain-alarm"),
    "leaf": message("leaf", leaf_key, "leaf-alarm"),
    "expired": message("expired", expired_key, "expired-alarm"),
    "rogue": message("rogue", rogue_key, "rogue-alarm"),
}
# Signed by the real leaf, but pointing at a host that is not Amazon's: must be refused before any fetch.
other = json.loads(messages["chain"])
other["SigningCertURL"] = "https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-chain.pem"
messages["foreign"] = json.dumps(other)
print(json.dumps({"proxy": "http://127.0.0.1:%d" % proxy.server_address[1], "messages": messages}), flush=True)


def watch_parent():
    # The test holds our stdin open; when it ends (or dies), stdin reaches EOF and we go too.
    sys.stdin.buffer.read()
    os._exit(0)


threading.Thread(target=watch_parent, daemon=True).start()
proxy.serve_forever()
