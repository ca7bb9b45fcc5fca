"""Sends a POST in two halves with a pause between, so a test can signal the server mid-request.
Prints 'half-sent' after the first half, then the raw response."""
import socket
import sys
import time

port, token = int(sys.argv[1]), sys.argv[2]
body = b'{"title": "Slow upload", "severity": "P3"}'
head = (
    f"POST /api/v1/incidents HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
).encode()
s = socket.create_connection(("127.0.0.1", port), timeout=20)
s.sendall(head + body[:10])
time.sleep(0.3)
print("half-sent", flush=True)
time.sleep(1.0)
s.sendall(body[10:])
chunks = []
while True:
    data = s.recv(65536)
    if not data:
        break
    chunks.append(data)
sys.stdout.write(b"".join(chunks).decode(errors="replace"))
sys.stdout.flush()
