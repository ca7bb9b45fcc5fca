#!/usr/bin/env python3
"""Run the README's "A 60-second tour" and "The whole loop" code blocks, as written.

    scripts/readme-tour.py [FIREBREAK_BINARY] [REPO_ROOT] [--keep]

The commands are read from README.md each time (nothing is copied here), so the script runs whatever
the README says today. They run one by one with bash in a temporary directory that holds copies of
the repo's runbooks/ and templates/ and nothing else, with HOME and XDG_DATA_HOME inside it (the real
user's data is never touched), FIREBREAK_DATA unset, CI=true and no terminal (stdin is /dev/null).
Shell variables a command sets (B=..., TOKEN) carry over to the next command.

Every command must exit 0, or 3 when its comment says it waits ("exit 3", "waits", "waiting") or is
the interactive run (which, without a terminal, runs automatically and waits at the manual step).
Every command has a 60 s timeout. After each block a few documented outcomes are checked with --json.

The only departures from the README text (each one marked SUBSTITUTION below):
  (1) `B=.build/release/firebreak` sets B to the binary given to this script instead: a release
      build is slow, and the code in the binary is the same.
  (2) `make run &` becomes what the Makefile's `run` target does, minus the build: lint runbooks/,
      `"$B" token create local --role admin` (its printed token becomes TOKEN), then `"$B" serve --port 8080
      --log-format text` in the background with the data where the CLI finds it
      ($XDG_DATA_HOME/firebreak: there is no .firebreak in the temporary directory). It waits until
      `curl -s localhost:8080/health` answers; the server is stopped at the end whatever happens.
      A busy port 8080 is a failure (the README says 8080).
  (3) $EDITOR is a small script that replaces every `_TODO…` placeholder in the file it is given
      with real-looking text, as the person reviewing the post-mortem would.
  (4) The whole loop gets a fresh, empty data dir (XDG_DATA_HOME moves to a new directory before
      it): the README's whole loop expects a new install ("opens INC-1", "RUN-1 service-degraded"),
      while the tour before it has already made INC-1 and RUN-1..3.
Also, when USER is unset (some CI containers), it is set to the login name, as a login shell would:
Firebreak uses it for "who acted" (the tour's `incident ack` makes you the commander).
"""

import argparse
import json
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOUR_HEADING = "## A 60-second tour"
LOOP_HEADING = "## The whole loop: alert, runbook, resolution, post-mortem"
COMMAND_TIMEOUT = 60  # seconds, for every command
SERVER_WAIT = 20  # seconds for `firebreak serve` to answer /health
PORT = 8080  # the README's port; never another one
ACTION_ITEM = "Alert on error rate before the canary fails"

# A command may exit 3 (a run waiting for a human) when its README comment says so, or when it is
# the interactive run, which without a terminal runs automatically and waits at the manual step.
MAY_WAIT = re.compile(r"exit 3|\bwaits\b|\bwaiting\b|\binteractive\b", re.IGNORECASE)
ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=")

# SUBSTITUTION (3): the editor. It replaces every `_TODO…_` placeholder with text a reviewer could
# have written, keyed on the placeholder's words; it fails if a placeholder is left.
EDITOR_SOURCE = r'''
import re, sys

FILLS = [
    ("incident commander", "alice"),
    ("what happened", "The api canary failed after a configuration deploy to the orders API; about 4% of "
     "requests answered 500 for three minutes until the deploy was rolled back."),
    ("who and what was affected", "Orders API clients: about 4% of requests failed with HTTP 500 for "
     "three minutes. No data was lost and no orders were double-charged."),
    ("confirm or correct the trigger", "Confirmed: the configuration deploy at the start of the timeline."),
    ("what fixed it", "Rolling back the configuration deploy. A restart was considered first; the "
     "diagnostics showed it would not help."),
    ("root causes", "The new configuration pointed the API at a connection pool sized for staging. "
     "The deploy pipeline had no error-rate gate, so only the canary noticed."),
    ("action add", "See the action items recorded in the store."),
]
LESSONS = iter([
    "The canary fired within a minute and the runbook collected diagnostics before anyone logged in.",
    "The deploy went out without a staged rollout, and nothing watched the error rate.",
    "It happened during low traffic, so few customers noticed.",
])
PLACEHOLDER = re.compile(r"_TODO\b.*?_(?=[\s|.,;:)]|$)", re.MULTILINE)


def fill(match):
    text = match.group(0)
    for words, replacement in FILLS:
        if words in text:
            return replacement
    return next(LESSONS, "Reviewed with the team; nothing to add.")


path = sys.argv[1]
with open(path, encoding="utf-8") as handle:
    draft = handle.read()
edited = PLACEHOLDER.sub(fill, draft)
with open(path, "w", encoding="utf-8") as handle:
    handle.write(edited)
left = [line for line in edited.splitlines() if "_TODO" in line]
if left:
    sys.exit("editor: placeholders left in %s:\n  %s" % (path, "\n  ".join(left)))
print("editor: filled %d placeholder(s) in %s" % (len(PLACEHOLDER.findall(draft)), path))
'''


class Failure(Exception):
    """A command or a check failed; the message says which and why."""


# ---------------------------------------------------------------------------------------------
# Reading the README


def sh_blocks(readme: str, heading: str) -> list:
    """The fenced ```sh blocks of the section under `heading` (up to the next ## heading)."""
    lines = readme.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == heading)
    except StopIteration:
        raise Failure(f"README.md has no heading {heading!r}") from None
    blocks, block = [], None
    for line in lines[start + 1 :]:
        if block is None:
            if line.startswith("## "):
                break
            if re.fullmatch(r"```sh\s*", line):
                block = []
        elif line.startswith("```"):
            blocks.append("\n".join(block))
            block = None
        else:
            block.append(line)
    if block is not None:
        raise Failure(f"README.md: the ```sh block under {heading!r} is never closed")
    if not blocks:
        raise Failure(f"README.md has no ```sh block under {heading!r}")
    return blocks


def commands(block: str) -> list:
    """One command per line; a line ending in a backslash continues on the next one."""
    result, pending = [], ""
    for line in block.splitlines():
        if pending:
            line = pending + " " + line.strip()
        if line.rstrip().endswith("\\"):
            pending = line.rstrip()[:-1].rstrip()
            continue
        pending = ""
        if line.strip() and not line.lstrip().startswith("#"):
            result.append(line.strip())
    if pending:
        result.append(pending)
    return result


def split_comment(command: str) -> tuple:
    """(code, comment): the comment starts at a # outside quotes that begins a word."""
    quote, i = None, 0
    while i < len(command):
        char = command[i]
        if char == "\\" and quote != "'":
            i += 2  # an escaped character, outside quotes or inside double quotes
            continue
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or command[i - 1].isspace()):
            return command[:i].rstrip(), command[i + 1 :].strip()
        i += 1
    return command.rstrip(), ""


# ---------------------------------------------------------------------------------------------
# Running


class Tour:
    def __init__(self, binary: Path, repo: Path, keep: bool):
        self.binary = binary
        self.repo = repo
        self.keep = keep
        self.tmp = Path(tempfile.mkdtemp(prefix="firebreak-readme-"))
        self.set_up = False
        self.work = self.tmp / "work"
        self.state = self.tmp / "shell-state.sh"
        self.server_pid = self.tmp / "server.pid"
        self.server_log = self.tmp / "server.log"
        self.variables = set()
        self.passed = 0
        self.env = {}

    # -- setup ----------------------------------------------------------------------------------

    def setup(self):
        self.set_up = True
        self.work.mkdir()
        # Copies of runbooks/ and templates/, nothing else from the repo.
        for name in ("runbooks", "templates"):
            shutil.copytree(self.repo / name, self.work / name, symlinks=True)
        (self.tmp / "home").mkdir()
        (self.tmp / "bin").mkdir()
        editor = self.tmp / "bin" / "readme-tour-editor"
        editor.write_text(f"#!{sys.executable}\n" + EDITOR_SOURCE.lstrip())
        editor.chmod(0o755)
        self.state.write_text("")
        env = {k: v for k, v in os.environ.items() if not k.startswith("FIREBREAK_")}
        env.update(
            HOME=str(self.tmp / "home"),
            XDG_DATA_HOME=str(self.tmp / "xdg-tour"),
            CI="true",
            EDITOR=str(editor),  # SUBSTITUTION (3)
        )
        env.pop("VISUAL", None)
        if not env.get("USER"):
            env["USER"] = pwd.getpwuid(os.getuid()).pw_name
        self.env = env

    # -- substitutions --------------------------------------------------------------------------

    def substitute(self, code: str) -> tuple:
        """(code to run, note) for one README command; note is None when it runs as written."""
        if code == "B=.build/release/firebreak":
            # SUBSTITUTION (1): the given binary instead of a release build.
            return f"B={shlex.quote(str(self.binary))}", "B is the binary under test"
        if code == "make run &":
            # SUBSTITUTION (2): what `make run` does, without building, with the server in the
            # background; the Makefile's "only when no token named local exists" always holds in a
            # fresh data dir, so the token is created and its printed value kept as TOKEN.
            self.check_port_free()
            self.variables.add("TOKEN")
            q = shlex.quote
            log, pid = q(str(self.server_log)), q(str(self.server_pid))
            snippet = f"""
"$B" lint runbooks/ || exit
TOKEN=$("$B" token create local --role admin) || exit
echo "API token (shown once; use it as 'Authorization: Bearer <token>'): $TOKEN"
"$B" serve --data-dir "$XDG_DATA_HOME/firebreak" --port {PORT} --log-format text </dev/null >>{log} 2>&1 &
echo $! >{pid}
while ! curl -s --max-time 1 -o /dev/null localhost:{PORT}/health; do
  if ! kill -0 "$(cat {pid})" 2>/dev/null; then
    echo "firebreak serve exited before answering /health; its log:" >&2; cat {log} >&2; exit 1
  fi
  if [ "$SECONDS" -ge {SERVER_WAIT} ]; then
    echo "firebreak serve did not answer localhost:{PORT}/health within {SERVER_WAIT} s; its log:" >&2
    cat {log} >&2; exit 1
  fi
  sleep 0.2
done
echo "firebreak serve is answering on localhost:{PORT} (pid $(cat {pid}), data in $XDG_DATA_HOME/firebreak)"
"""
            return snippet, f"the server on port {PORT}, as `make run` starts it, with TOKEN set"
        return code, None

    def check_port_free(self):
        busy = None
        try:
            with socket.create_connection(("localhost", PORT), timeout=1):
                busy = "something answers on localhost:%d" % PORT
        except OSError:
            pass
        if not busy:
            with socket.socket() as probe:
                # SO_REUSEADDR, as servers set it: connections of an earlier run in TIME-WAIT do not
                # make the port busy.
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind(("127.0.0.1", PORT))
                except OSError as error:
                    busy = f"cannot bind 127.0.0.1:{PORT} ({error.strerror})"
        if busy:
            raise Failure(
                f"port {PORT} is busy: {busy}. The README's whole loop talks to localhost:{PORT}; "
                f"stop whatever uses it (e.g. `make run`) and try again."
            )

    # -- running one command --------------------------------------------------------------------

    def run(self, command: str):
        code, comment = split_comment(command)
        script, note = self.substitute(code)
        match = ASSIGNMENT.match(code)
        if match:
            self.variables.add(match.group(1))
        allowed = {0, 3} if MAY_WAIT.search(comment) else {0}

        print(f"$ {command}", flush=True)
        if note:
            print(f"  (substituted: {note})", flush=True)

        save = "; ".join(f'declare -p {v} 2>/dev/null' for v in sorted(self.variables)) or ":"
        wrapper = (
            f". {shlex.quote(str(self.state))}\n"
            f"{script}\n"
            "__readme_tour_rc=$?\n"
            f"{{ {save}; }} >{shlex.quote(str(self.state))}\n"
            "exit $__readme_tour_rc\n"
        )
        started = time.monotonic()
        process = subprocess.Popen(
            ["bash", "-c", wrapper],
            cwd=self.work,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # no controlling terminal; one process group to kill on timeout
        )
        try:
            out, err = process.communicate(timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            out, err = process.communicate()
            self.fail(command, f"timed out after {COMMAND_TIMEOUT} s", out, err)
        except BaseException:  # SIGINT or SIGTERM to this script: leave nothing of the command behind
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
        elapsed = time.monotonic() - started
        status = process.returncode
        if status not in allowed:
            expected = " or ".join(str(s) for s in sorted(allowed))
            self.fail(command, f"exit status {status} (expected {expected})", out, err)
        waited = " (waiting for a human, as documented)" if status == 3 else ""
        print(f"  ok: exit {status}{waited}, {elapsed:.1f}s", flush=True)
        self.passed += 1

    def fail(self, command, why, out, err):
        text = lambda data: data.decode("utf-8", "replace").rstrip() or "(empty)"
        raise Failure(f"command failed: {why}\n  {command}\n--- stdout\n{text(out)}\n--- stderr\n{text(err)}")

    # -- checks with --json ---------------------------------------------------------------------

    def json(self, *args):
        command = [str(self.binary), *args, "--json"]
        try:
            result = subprocess.run(
                command, cwd=self.work, env=self.env, stdin=subprocess.DEVNULL,
                capture_output=True, timeout=COMMAND_TIMEOUT, start_new_session=True,
            )
        except subprocess.TimeoutExpired:
            raise Failure(f"check timed out: {shlex.join(command)}") from None
        if result.returncode != 0:
            raise Failure(
                f"check failed: {shlex.join(command)} exited {result.returncode}\n"
                f"{result.stdout.decode(errors='replace')}{result.stderr.decode(errors='replace')}"
            )
        return json.loads(result.stdout)

    def expect(self, what, actual, expected):
        ok = expected(actual) if callable(expected) else actual == expected
        if not ok:
            shown = "" if callable(expected) else f", expected {expected!r}"
            raise Failure(f"check failed: {what}: got {actual!r}{shown}")
        print(f"  check: {what}: {actual!r}", flush=True)

    def check_tour(self):
        print("# checks after the tour", flush=True)
        data_dir = str(Path(self.env["XDG_DATA_HOME"]) / "firebreak")
        self.expect("status data_dir (inside the temporary dir)", self.json("status")["data_dir"], data_dir)
        # RUN-1 is the interactive run: without a terminal it runs automatically and waits at the manual step.
        self.expect("RUN-1 runbook", self.json("runs", "show", "RUN-1")["runbook"], "getting-started")
        run2 = self.json("runs", "show", "RUN-2")
        self.expect("RUN-2 status after approve and resume", run2["status"], "succeeded")
        tell_team = next((s for s in run2["steps"] if s["name"] == "tell-team"), {})
        self.expect("RUN-2 step tell-team", tell_team.get("status"), "succeeded")
        self.expect("RUN-3 (the incident's run) status", self.json("runs", "show", "RUN-3")["status"], "waiting")
        incident = self.json("incident", "show", "INC-1")
        self.expect("INC-1 severity", incident["severity"], "P1")
        self.expect("INC-1 status", incident["status"], "acknowledged")
        self.expect("INC-1 commander (you)", incident["commander"], self.env["USER"])
        kinds = [event["kind"] for event in incident["timeline"]]
        self.expect("INC-1 timeline has the run", kinds, lambda k: "run_started" in k)
        html = (self.work / "gs.html").read_text(errors="replace")
        self.expect("gs.html is HTML", html[:15], lambda h: h.lower().startswith("<!doctype html"))

    def check_loop(self):
        print("# checks after the whole loop", flush=True)
        status = self.json("status")
        data_dir = str(Path(self.env["XDG_DATA_HOME"]) / "firebreak")
        self.expect("status data_dir (the fresh one)", status["data_dir"], data_dir)
        self.expect("status sees the server on that data dir", status["server_running"], True)
        incident = self.json("incident", "show", "INC-1")
        self.expect("INC-1 title (from the alert)", incident["title"], "api answers 500")
        self.expect("INC-1 severity", incident["severity"], "P2")
        self.expect("INC-1 commander", incident["commander"], "alice")
        self.expect("INC-1 status", incident["status"], "closed")
        postmortem = self.json("postmortem", "show", "INC-1")
        self.expect("post-mortem status", postmortem["status"], "published")
        markdown = postmortem["markdown"]
        self.expect("post-mortem has the action item", ACTION_ITEM in markdown, True)
        self.expect("post-mortem has no TODO left", "_TODO" in markdown, False)
        kinds = [event["kind"] for event in incident["timeline"]]
        waited_then_cancelled = lambda k: "run_waiting" in k and "run_cancelled" in k[k.index("run_waiting"):]
        self.expect("INC-1 timeline: RUN-1 waited, then was cancelled", kinds, waited_then_cancelled)
        run1 = self.json("runs", "show", "RUN-1")
        self.expect("RUN-1 runbook (started by the alert)", run1["runbook"], "service-degraded")
        self.expect("RUN-1 incident", run1.get("incident_id"), "INC-1")
        self.expect("RUN-1 status (cancelled when INC-1 resolved)", run1["status"], "cancelled")
        steps = {s["name"]: s["status"] for s in run1["steps"]}
        self.expect("RUN-1 checked and diagnosed", [steps.get("check"), steps.get("diagnose")],
                    ["succeeded", "succeeded"])

    # -- the server -----------------------------------------------------------------------------

    def stop_server(self):
        """The trap: stop the server this script started (by its pid), whatever happened."""
        try:
            pid = int(self.server_pid.read_text().strip())
        except (OSError, ValueError):
            return
        self.server_pid.unlink()
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if alive(pid):
            print(f"firebreak serve (pid {pid}) ignored SIGTERM for 10 s; killing it", file=sys.stderr)
            os.kill(pid, signal.SIGKILL)

    # -- all of it ------------------------------------------------------------------------------

    def main(self):
        readme = (self.repo / "README.md").read_text(encoding="utf-8")
        tour = [c for block in sh_blocks(readme, TOUR_HEADING) for c in commands(block)]
        loop = [c for block in sh_blocks(readme, LOOP_HEADING) for c in commands(block)]
        ok = False
        try:
            self.check_port_free()  # before anything, so that a busy port fails fast
            self.setup()
            print(f"# {TOUR_HEADING[3:]} ({len(tour)} commands) in {self.work}", flush=True)
            for command in tour:
                self.run(command)
            self.check_tour()
            # SUBSTITUTION (4): a fresh data dir for the whole loop, which expects a new install.
            self.env["XDG_DATA_HOME"] = str(self.tmp / "xdg-loop")
            print(f"# {LOOP_HEADING[3:]} ({len(loop)} commands), fresh data dir "
                  f"{self.env['XDG_DATA_HOME']}/firebreak", flush=True)
            for command in loop:
                self.run(command)
            self.check_loop()
            ok = True
        finally:
            self.stop_server()
            if not ok and self.server_log.exists():
                print("--- server log (last 30 lines)", file=sys.stderr)
                print("\n".join(self.server_log.read_text(errors="replace").splitlines()[-30:]), file=sys.stderr)
            if (ok and not self.keep) or not self.set_up:
                shutil.rmtree(self.tmp, ignore_errors=True)
            else:
                print(f"(kept {self.tmp})", file=sys.stderr if not ok else sys.stdout)
        return self.passed


def alive(pid: int) -> bool:
    """True while pid exists and is not a zombie (an orphaned server may wait to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
            return True
        except ProcessLookupError:
            return False


def terminate(signum, frame):
    raise SystemExit(128 + signum)


def main():
    repo_default = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary", nargs="?", help="the firebreak binary (default: REPO/.build/debug/firebreak)")
    parser.add_argument("repo", nargs="?", default=str(repo_default), help="the repo root (default: %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    repo = Path(args.repo).resolve()
    binary = Path(args.binary).resolve() if args.binary else repo / ".build/debug/firebreak"
    if not os.access(binary, os.X_OK):
        sys.exit(f"readme-tour: {binary} is not an executable firebreak binary (build it first)")
    for tool in ("bash", "curl"):
        if not shutil.which(tool):
            sys.exit(f"readme-tour: {tool} is needed")
    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGHUP, terminate)
    started = time.monotonic()
    try:
        passed = Tour(binary, repo, args.keep).main()
    except Failure as failure:
        print(f"readme-tour: FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("readme-tour: interrupted", file=sys.stderr)
        sys.exit(130)
    print(f"# done in {time.monotonic() - started:.1f}s")
    print(f"README tour and whole loop: {passed} commands passed")


if __name__ == "__main__":
    main()
