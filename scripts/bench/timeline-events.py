#!/usr/bin/env python3
"""Adds N varied timeline events to INC-1 of a Firebreak SQLite database: timeline-events.py DB N."""
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
count = int(sys.argv[2])
start = db.execute("SELECT triggered_at FROM incidents WHERE id = 'INC-1'").fetchone()[0]
kinds = [
    ("alert_fired", "alertmanager", lambda i: {"source": "alertmanager", "key": f"fp-{i % 50}", "name": f"Alert{i % 50}", "count": "1"}),
    ("alert_repeated", "alertmanager", lambda i: {"source": "alertmanager", "key": f"fp-{i % 50}", "name": f"Alert{i % 50}", "count": str(i)}),
    ("note", "bob", lambda i: {"text": f"observation {i}: replica lag {i % 97} s | still climbing"}),
    ("step_finished", "firebreak", lambda i: {"run": "RUN-1", "runbook": "database-restore", "step": f"step-{i % 20}", "status": "succeeded", "exit": "0"}),
    ("escalated", "system", lambda i: {"level": str(i % 3 + 1), "cycle": "1", "channels": "log"}),
    ("severity_changed", "alice", lambda i: {"from": "P1" if i % 2 else "P0", "to": "P0" if i % 2 else "P1"}),
]
rows = []
for i in range(count):
    kind, actor, details = kinds[i % len(kinds)]
    rows.append(("INC-1", kind, actor, start + i * 0.5, json.dumps(details(i))))
db.executemany("INSERT INTO incident_events (incident_id, kind, actor, at, details) VALUES (?, ?, ?, ?, ?)", rows)
db.commit()
print(f"incident INC-1 has {db.execute('SELECT count(*) FROM incident_events WHERE incident_id = ?', ('INC-1',)).fetchone()[0]} timeline events")
