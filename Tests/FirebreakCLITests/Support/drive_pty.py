#!/usr/bin/env python3
"""Drive a program through a pseudo-terminal: wait for each expected text, then send a line.

usage: drive_pty.py SCRIPT_JSON -- PROGRAM ARGS...
SCRIPT_JSON is a list of [expected_text, line_to_send]; a null line sends Ctrl-C.
Prints one JSON object: {"status": exit_status, "transcript": everything the program wrote}.
"""
import json, os, pty, select, signal, sys, time

script = json.loads(sys.argv[1])
argv = sys.argv[sys.argv.index("--") + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)

transcript = b""
def read_until(text, deadline):
    global transcript
    while text.encode() not in transcript:
        remaining = deadline - time.time()
        if remaining <= 0:
            return False
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return False
            if not chunk:
                return False
            transcript += chunk
    return True

failed = None
for expected, send in script:
    if not read_until(expected, time.time() + 30):
        failed = expected
        break
    # Consume what matched so the next expectation needs new output.
    index = transcript.index(expected.encode()) + len(expected)
    head, transcript_rest = transcript[:index], transcript[index:]
    transcript = transcript_rest
    sys.stderr.buffer.write(head)
    if send is None:
        os.write(fd, b"\x03")
    else:
        os.write(fd, (send + "\n").encode())

deadline = time.time() + 30
while time.time() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.2)
    if ready:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        transcript += chunk
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
else:
    os.kill(pid, signal.SIGKILL)
_, status = os.waitpid(pid, 0) if not 'done' in dir() or not done else (done, status)
code = os.waitstatus_to_exitcode(status)
sys.stderr.buffer.write(transcript)
print(json.dumps({"status": code, "missing": failed}))
