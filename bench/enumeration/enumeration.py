"""Times each endpoint that takes a login, for existing and unknown logins.

Usage: enumeration.py BASE_URL OUTBOX_FILE N

Registers and verifies N accounts (codes from the outbox file), then for each
endpoint sends one request per existing login and one per unknown login,
interleaved in random order, each from its own client address (X-Forwarded-For;
the server trusts 127.0.0.1 as a proxy). Prints status codes, median and p90 in
milliseconds, and whether the bodies were identical.
"""
import http.client
import json
import random
import statistics
import sys
import time
import urllib.parse

base, outbox, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
url = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
ip_counter = 0


def post(path, body):
    global ip_counter
    ip_counter += 1
    ip = "10.%d.%d.%d" % (ip_counter >> 16 & 255, ip_counter >> 8 & 255, ip_counter & 255)
    data = json.dumps(body)
    start = time.perf_counter()
    conn.request("POST", path, data, {"Content-Type": "application/json", "X-Forwarded-For": ip})
    r = conn.getresponse()
    text = r.read()
    return r.status, text, (time.perf_counter() - start) * 1000


def codes():
    out = {}
    try:
        with open(outbox, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    m = json.loads(line)
                    out.setdefault(m["to"], []).append(m["code"])
    except FileNotFoundError:
        pass
    return out


password = "Bench-Password-2026!"
known = ["bench-%d@example.cn" % i for i in range(n)]
unknown = ["nobody-%d@example.cn" % i for i in range(n)]
for login in known:
    s, text, _ = post("/api/v1/accounts", {"login": login, "password": password,
                                           "display_name": "Bench", "birth_date": "1990-01-01"})
    assert s == 201, (s, text)
deadline = time.time() + 60
while time.time() < deadline and len([l for l in known if l in codes()]) < n:
    time.sleep(0.2)
got = codes()
for login in known:
    s, text, _ = post("/api/v1/accounts/verify", {"login": login, "code": got[login][0]})
    assert s == 200, (s, text)

endpoints = [
    ("POST /api/v1/accounts/verify", "/api/v1/accounts/verify",
     lambda l: {"login": l, "code": "000000"}),
    ("POST /api/v1/accounts/resend", "/api/v1/accounts/resend", lambda l: {"login": l}),
    ("POST /api/v1/sessions (wrong password)", "/api/v1/sessions",
     lambda l: {"login": l, "password": "wrong-password-1"}),
    ("POST /api/v1/password-resets", "/api/v1/password-resets", lambda l: {"login": l}),
    ("POST /api/v1/password-resets/confirm", "/api/v1/password-resets/confirm",
     lambda l: {"login": l, "code": "000000", "password": "short"}),
    ("POST /api/v1/misuse-reports/code", "/api/v1/misuse-reports/code", lambda l: {"login": l}),
    ("POST /api/v1/misuse-reports (with code)", "/api/v1/misuse-reports",
     lambda l: {"login": l, "code": "000000", "note": ""}),
]


def p90(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]


print("%-40s %-9s %14s %14s %s" % ("endpoint", "status", "existing ms", "unknown ms",
                                   "same body"))
print("%-40s %-9s %14s %14s" % ("", "", "median / p90", "median / p90"))
for name, path, body in endpoints:
    order = [(True, l) for l in known] + [(False, l) for l in unknown]
    random.shuffle(order)
    times = {True: [], False: []}
    statuses = {True: set(), False: set()}
    bodies = {True: set(), False: set()}
    for exists, login in order:
        s, text, ms = post(path, body(login))
        times[exists].append(ms)
        statuses[exists].add(s)
        bodies[exists].add(text)
    status = "/".join(str(s) for s in sorted(statuses[True] | statuses[False]))
    same = statuses[True] == statuses[False] and bodies[True] == bodies[False]
    print("%-40s %-9s %6.2f / %5.2f %6.2f / %5.2f %s" % (
        name, status, statistics.median(times[True]), p90(times[True]),
        statistics.median(times[False]), p90(times[False]), "yes" if same else "NO"))
