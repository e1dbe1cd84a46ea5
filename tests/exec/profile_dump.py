#!/usr/bin/env python3
"""profile_dump.py DIR — read DIR/profile.csv and DIR/profile.json the way a user's script would
(csv.DictReader, json.load) and print every value as one `key=value` line, so that the C test
checks what a reader sees, quoting and all:

  csv.header=…               the header row as written
  csv.rows=N                 data rows (the total row included)
  csv.I.COLUMN=value         row I (0-based), every column
  json.KEY.SUB…=value        every leaf of profile.json (arrays indexed: json.mutexes.0.pid=…)

Exits 1 with one line on a file that does not parse, or a CSV row with the wrong field count.
"""
import csv
import json
import sys


def leaves(prefix, v):
    if isinstance(v, dict):
        for k, x in v.items():
            yield from leaves(f"{prefix}.{k}", x)
    elif isinstance(v, list) and not (v and all(isinstance(x, (int, float)) for x in v)):
        yield f"{prefix}.len", len(v)
        for i, x in enumerate(v):
            yield from leaves(f"{prefix}.{i}", x)
    elif v is None:
        yield prefix, "null"
    elif isinstance(v, bool):
        yield prefix, "true" if v else "false"
    else:
        yield prefix, v


def main():
    d = sys.argv[1]
    try:
        with open(f"{d}/profile.csv", newline="") as f:
            header = f.readline().rstrip("\r\n")
            f.seek(0)
            reader = csv.reader(f)
            cols = next(reader)
            rows = list(reader)
    except (OSError, csv.Error, StopIteration) as e:
        print(f"profile_dump: {d}/profile.csv: {e}", file=sys.stderr)
        return 1
    print(f"csv.header={header}")
    print(f"csv.rows={len(rows)}")
    for i, r in enumerate(rows):
        if len(r) != len(cols):
            print(f"profile_dump: profile.csv row {i + 1}: {len(r)} fields, header has {len(cols)}",
                  file=sys.stderr)
            return 1
        for c, v in zip(cols, r):
            print(f"csv.{i}.{c}={v}")
    try:
        with open(f"{d}/profile.json") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print(f"profile_dump: {d}/profile.json: {e}", file=sys.stderr)
        return 1
    for k, v in leaves("json", doc):
        print(f"{k}={v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
