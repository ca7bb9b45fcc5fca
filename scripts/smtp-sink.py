#!/usr/bin/env python3
"""A real SMTP server on loopback that keeps every message it accepts, for the SMTP client's tests.

usage: smtp-sink.py --dir DIR [--mode plain|starttls|tls] [--auth USER:PASSWORD] [--require-tls-for-auth]

Built on aiosmtpd 1.4.6 (python3 -m pip install aiosmtpd==1.4.6) and cryptography. Listens on 127.0.0.1, on a free
port, and prints exactly one line, `READY <port>`, once it accepts connections (or `ERROR <message>` and exits 1 if
it cannot start: bad arguments, DIR not writable, no aiosmtpd...). It then runs until its stdin reaches EOF (the test
holds the pipe open as a lifeline, so the server dies with the test) or until SIGTERM/SIGINT, and exits 0.

  --mode plain     (default) no TLS at all: STARTTLS is not offered.
  --mode starttls  the session starts in clear and offers STARTTLS; AUTH is neither advertised nor accepted before
                   STARTTLS (538). With --require-tls-for-auth, every command but EHLO/HELO/NOOP/QUIT/STARTTLS is
                   refused before STARTTLS (530 Must issue a STARTTLS command first).
  --mode tls       implicit TLS (SMTPS): the handshake starts with the first byte.
  --auth U:P       advertise AUTH LOGIN PLAIN, accept only user U with password P (535 otherwise; the password is
                   everything after the first colon) and require it: MAIL before AUTH gets 530. In plain mode AUTH
                   is accepted in clear (refusing to send a password over plain text is the client's job), unless
                   --require-tls-for-auth is given (then AUTH is not advertised and gets 538). Without --auth, AUTH
                   is not advertised and MAIL needs no authentication.

Files in DIR (created if needed):
  ca.pem, server.pem, server.key   (starttls and tls modes) a fresh self-signed test CA, valid 1 day, and the
                   server certificate it signed for CN=localhost, SAN DNS:localhost + IP:127.0.0.1, with its key.
                   ca.pem is the certificate the client is told to trust.
  mail/<n>.eml     each accepted message, n = 1, 2, ... in order (after any messages already in DIR/mail): the DATA
                   bytes as received, CRLF line endings, dot-unstuffed, without the final "." line.
  mail/<n>.json    {"mail_from": "...", "rcpt_tos": ["..."], "auth_user": "U" or null, "tls": true/false (whether the
                   session was encrypted when DATA was sent)}. Both files are written to a temporary name and renamed,
                   the .json last: once a reader sees <n>.json, <n>.eml is complete.
"""
import argparse, datetime, ipaddress, json, logging, os, signal, ssl, sys, threading, warnings


def fail(message):
    print(f"ERROR {message}", flush=True)
    os._exit(1)


class Parser(argparse.ArgumentParser):
    def error(self, message):
        fail(f"{self.prog}: {message}")


def parse_arguments():
    parser = Parser(prog="smtp-sink.py", description="Loopback SMTP server that keeps every message it accepts.")
    parser.add_argument("--dir", required=True, help="where to write the certificates and mail/")
    parser.add_argument("--mode", choices=("plain", "starttls", "tls"), default="plain")
    parser.add_argument("--auth", metavar="USER:PASSWORD", help="require AUTH with these credentials")
    parser.add_argument("--require-tls-for-auth", action="store_true",
                        help="plain: refuse AUTH in clear; starttls: refuse everything before STARTTLS")
    arguments = parser.parse_args()
    if arguments.auth is not None:
        user, colon, password = arguments.auth.partition(":")
        if not user or not colon:
            parser.error("--auth must be USER:PASSWORD with a non-empty USER")
        arguments.credentials = (user.encode("utf-8"), password.encode("utf-8"))
    else:
        arguments.credentials = None
    return arguments


def write_atomically(path, data):
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.rename(temporary, path)


def make_certificates(directory):
    """Writes DIR/ca.pem, DIR/server.pem, DIR/server.key; returns a server-side ssl.SSLContext using them."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=1)
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "smtp-sink test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(ca_ski, critical=False)
          .sign(ca_key, hashes.SHA256()))
    server = (x509.CertificateBuilder()
              .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])).issuer_name(ca_name)
              .public_key(server_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(start).not_valid_after(end)
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                           data_encipherment=False, key_agreement=True, key_cert_sign=False,
                                           crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .add_extension(x509.SubjectAlternativeName(
                  [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
              .add_extension(x509.SubjectKeyIdentifier.from_public_key(server_key.public_key()), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
              .sign(ca_key, hashes.SHA256()))
    paths = {name: os.path.join(directory, name) for name in ("ca.pem", "server.pem", "server.key")}
    write_atomically(paths["ca.pem"], ca.public_bytes(serialization.Encoding.PEM))
    write_atomically(paths["server.pem"], server.public_bytes(serialization.Encoding.PEM))
    write_atomically(paths["server.key"], server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)  # verify_mode CERT_NONE, check_hostname False, as aiosmtpd wants
    context.load_cert_chain(paths["server.pem"], paths["server.key"])
    return context


class Sink:
    """aiosmtpd handler: keeps each message as mail/<n>.eml + mail/<n>.json."""

    def __init__(self, mail_directory, advertise_auth):
        self.mail_directory = mail_directory
        self.advertise_auth = advertise_auth
        existing = [int(name[:-5]) for name in os.listdir(mail_directory)
                    if name.endswith(".json") and name[:-5].isdigit()]
        self.count = max(existing, default=0)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.advertise_auth:
            return responses
        return [line for line in responses if not line[4:].upper().startswith("AUTH")]

    async def handle_DATA(self, server, session, envelope):
        transport = server.transport
        tls = bool(server._tls_protocol is not None
                   or (transport is not None and transport.get_extra_info("ssl_object") is not None))
        login = getattr(session.auth_data, "login", None) if session.authenticated else None
        metadata = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                    "auth_user": login.decode("utf-8", "replace") if isinstance(login, bytes) else login,
                    "tls": tls}
        content = envelope.original_content if envelope.original_content is not None else envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        number = self.count + 1
        try:
            base = os.path.join(self.mail_directory, str(number))
            write_atomically(base + ".eml", content)
            write_atomically(base + ".json", (json.dumps(metadata, indent=2) + "\n").encode("utf-8"))
        except OSError as error:
            print(f"smtp-sink: cannot store message {number}: {error}", file=sys.stderr, flush=True)
            return "451 4.3.0 Cannot store the message"
        self.count = number
        return f"250 2.0.0 OK queued as {number}"


def main():
    arguments = parse_arguments()
    try:
        import asyncio
        from aiosmtpd.smtp import SMTP, AuthResult
    except ImportError as error:
        fail(f"aiosmtpd is not installed ({error}): python3 -m pip install aiosmtpd==1.4.6")

    # aiosmtpd warns on every connection about AUTH allowed in clear, which plain mode does on purpose.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="smtp-sink: %(name)s: %(message)s")
    logging.getLogger("mail.log").setLevel(logging.ERROR)

    try:
        directory = os.path.abspath(arguments.dir)
        mail_directory = os.path.join(directory, "mail")
        os.makedirs(mail_directory, exist_ok=True)
        tls_context = make_certificates(directory) if arguments.mode in ("starttls", "tls") else None
        handler = Sink(mail_directory, advertise_auth=arguments.credentials is not None)
    except Exception as error:
        fail(f"setup failed: {error}")

    def authenticator(server, session, envelope, mechanism, auth_data):
        login, password = getattr(auth_data, "login", None), getattr(auth_data, "password", None)
        if mechanism in ("LOGIN", "PLAIN") and (login, password) == arguments.credentials:
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    options = {"hostname": "localhost", "enable_SMTPUTF8": True}
    if arguments.credentials is not None:
        options.update(authenticator=authenticator, auth_required=True)
    if arguments.mode == "plain":
        options["auth_require_tls"] = arguments.require_tls_for_auth
    elif arguments.mode == "starttls":
        options.update(tls_context=tls_context, auth_require_tls=True,
                       require_starttls=arguments.require_tls_for_auth)
    else:  # implicit TLS: aiosmtpd only counts STARTTLS as TLS, but this whole connection is encrypted.
        options["auth_require_tls"] = False

    async def serve():
        loop = asyncio.get_running_loop()
        try:
            server = await loop.create_server(lambda: SMTP(handler, **options), "127.0.0.1", 0,
                                              ssl=tls_context if arguments.mode == "tls" else None)
        except Exception as error:
            fail(f"cannot listen on 127.0.0.1: {error}")
        stopped = asyncio.Event()
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signal_number, stopped.set)
        port = server.sockets[0].getsockname()[1]
        threading.Thread(target=lifeline, daemon=True).start()
        print(f"READY {port}", flush=True)
        await stopped.wait()
        server.close()

    asyncio.run(serve())
    os._exit(0)


def lifeline():
    """Exits as soon as stdin reaches EOF: the test holds the pipe open for as long as it needs the server."""
    try:
        while sys.stdin.buffer.read(65536):
            pass
    except Exception:
        pass
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
