#!/usr/bin/env python3
"""The console's benchmarks against a running server: console.py BASE_URL ADMIN_TOKEN CONNECTIONS.

1. The incident page (10,000 timeline events, paged) against the JSON API's incident (the whole timeline).
2. CONNECTIONS open SSE streams, one change, and how long until every stream has it.
"""
import http.client
import json
import re
import socket
import statistics
import sys
import threading
import time
import urllib.parse

BASE, TOKEN, CONNECTIONS = sys.argv[1], sys.argv[2], int(sys.argv[3])
url = urllib.parse.urlparse(BASE)
HOST, PORT = url.hostname, url.port


def connection():
    return http.client.HTTPConnection(HOST, PORT, timeout=30)


def sign_in():
    c = connection()
    c.request("GET", "/sign-in")
    page = c.getresponse()
    html = page.read().decode()
    pre = re.search(r"firebreak_sign_in=([^;]+)", page.getheader("Set-Cookie")).group(1)
    secret = re.search(r'name="_csrf" value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({"_csrf": secret, "token": TOKEN})
    c.request("POST", "/sign-in", body, {"Content-Type": "application/x-www-form-urlencoded",
                                          "Cookie": "firebreak_sign_in=" + pre})
    answer = c.getresponse()
    answer.read()
    return re.search(r"firebreak_session=([^;]+)", answer.getheader("Set-Cookie")).group(1)


def timed(path, headers, runs=30):
    c = connection()
    times, size = [], 0
    for i in range(runs + 3):
        started = time.perf_counter()
        c.request("GET", path, headers=headers)
        response = c.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status == 200, (path, response.status, body[:300])
        if i >= 3:  # warm-up
            times.append(elapsed)
            size = len(body)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], size


def render_bench(cookie):
    page = timed("/incidents/INC-1", {"Cookie": "firebreak_session=" + cookie})
    api = timed("/api/v1/incidents/INC-1", {"Authorization": "Bearer " + TOKEN})
    print(f"incident page, 10,000 events (100 shown):  p50 {page[0]:.1f} ms, p95 {page[1]:.1f} ms, "
          f"{page[2] // 1024} KiB   target < 300 ms: {'met' if page[1] < 300 else 'MISSED'}")
    print(f"peer: GET /api/v1/incidents/INC-1 (JSON):  p50 {api[0]:.1f} ms, p95 {api[1]:.1f} ms, {api[2] // 1024} KiB")
    print(f"ratio (page / API, p50): {page[0] / api[0]:.2f}x")


def sse_bench(cookie):
    ready = threading.Barrier(CONNECTIONS + 1)
    received = [None] * CONNECTIONS
    sockets = []

    def listen(index):
        s = socket.create_connection((HOST, PORT), timeout=30)
        sockets.append(s)
        s.sendall((f"GET /events?topics=timeline HTTP/1.1\r\nHost: {HOST}:{PORT}\r\n"
                   f"Cookie: firebreak_session={cookie}\r\nAccept: text/event-stream\r\n\r\n").encode())
        buffer = b""
        while b": connected" not in buffer:
            buffer += s.recv(4096)
        ready.wait()
        while b"event: change" not in buffer:
            chunk = s.recv(4096)
            if not chunk:
                return
            buffer += chunk
        received[index] = time.perf_counter()

    threads = [threading.Thread(target=listen, args=(i,), daemon=True) for i in range(CONNECTIONS)]
    for t in threads:
        t.start()
    ready.wait()
    time.sleep(0.2)
    c = connection()
    sent = time.perf_counter()
    c.request("POST", "/api/v1/incidents/INC-1/notes", json.dumps({"text": "bench: one change for every page"}),
              {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
    answer = c.getresponse()
    answer.read()
    assert answer.status == 200, answer.status
    for t in threads:
        t.join(timeout=10)
    delays = sorted((r - sent) * 1000 for r in received if r is not None)
    for s in sockets:
        s.close()
    got = len(delays)
    last = delays[-1] if delays else float("inf")
    print(f"SSE: {got}/{CONNECTIONS} open streams got the change; first {delays[0]:.1f} ms, "
          f"median {statistics.median(delays):.1f} ms, last {last:.1f} ms   "
          f"target all < 1000 ms: {'met' if got == CONNECTIONS and last < 1000 else 'MISSED'}")


cookie = sign_in()
render_bench(cookie)
sse_bench(cookie)
