#!/usr/bin/env python3
"""Generates benchmark runbooks.

  generate.py parse N      a realistic N-step runbook: headings, prose, attributes, #| lines, when, manual steps
  generate.py true N       N `true` shell steps
"""
import sys

kind, count = sys.argv[1], int(sys.argv[2])
out = []
if kind == "true":
    out.append("---\nid: overhead\n---\n# Step overhead\n")
    for i in range(count):
        out.append(f"```sh {{name=s{i}}}\ntrue\n```\n")
else:
    out.append("""---
id: big
title: A very large runbook
severity: P2
params:
  target: { type: string, default: staging, allowed: [staging, production] }
  count: { type: int, default: 3 }
env:
  REGION: eu-west-1
timeout: 10m
---

# A very large runbook
""")
    for i in range(count):
        out.append(f"## Step {i}: check subsystem {i}\n\nThis paragraph explains step {i}. It has *emphasis*, `code`, and a [link](https://example.com/{i}).\nA second line of prose keeps the document realistic.\n")
        if i % 10 == 9:
            out.append(f"- [ ] Confirm subsystem {i} looks healthy {{name=manual-{i}}}\n")
        elif i % 7 == 3:
            prev = i - 1 if (i - 1) % 10 != 9 else i - 2
            out.append(f"```bash {{name=s{i} timeout=30s attempts=3 backoff=exp delay=1s maxDelay=10s}}\n#| when: steps.s{prev}.status == \"succeeded\" || params.target == \"staging\"\n#| idempotent: true\necho \"step {i} on $TARGET\"\ncurl -fsS http://127.0.0.1:8080/health || true\n```\n")
        elif i % 5 == 0:
            out.append(f"```json\n{{\"documentation\": {i}}}\n```\n")
            out.append(f"```sh {{\"name\":\"s{i}\",\"timeout\":\"1m\",\"onFailure\":\"continue\"}}\necho {i}\n```\n")
        else:
            out.append(f"```sh {{name=s{i} timeout=1m capture=OUT_{i}}}\necho \"value {i}\"\ndate -u\n```\n")
print("\n".join(out))
