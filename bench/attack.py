#!/usr/bin/env python3
"""Replays the attacks of issue 12, items 1-4, against a real anshin-server on 127.0.0.1 and
prints what the server did: peak memory, statuses, audit rows, connections kept, /healthz.

    python3 bench/attack.py [path/to/anshin-server]     (default target/release/anshin-server)

Bounded: every step has a deadline; the whole run takes about a minute. Not part of CI.
"""
import concurrent.futures as cf
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import urllib.error

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/anshin-server"
ADMIN_PW = "kanri-password-123"
MEMBER_PW = "member-password-123"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def post_login(port, login_id, password, timeout=60):
    body = json.dumps({"login_id": login_id, "password": password}).encode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/session",
        data=body,
        headers={"content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except Exception:
        return 0


def healthz(port, timeout=5):
    started = time.monotonic()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=timeout) as r:
            ok = r.status == 200
    except Exception:
        ok = False
    return ok, (time.monotonic() - started) * 1000


def counts(statuses):
    out = {}
    for s in statuses:
        out[s] = out.get(s, 0) + 1
    return ", ".join(f"{k}: {v}" for k, v in sorted(out.items()))


def main():
    work = tempfile.mkdtemp(prefix="anshin-attack-")
    db = os.path.join(work, "anshin.db")
    # All attempts come from 127.0.0.1: lift the per-address limit so that each step shows its
    # own effect (the per-account limit stays at its default, 5).
    config = os.path.join(work, "config.toml")
    with open(config, "w") as f:
        f.write("[server.auth]\nmax_failures_per_address = 1000000\n")
    env = dict(os.environ, HOME=work)
    env.pop("ANSHIN_CONFIG", None)
    base = [BIN, "--config", config, "--database", db]
    subprocess.run(base + ["init", "--admin", "centre"], input=ADMIN_PW + "\n", text=True,
                   env=env, check=True, capture_output=True)
    subprocess.run(base + ["user", "add", "sato", "--name", "佐藤", "--organization", "o-00001"],
                   input=MEMBER_PW + "\n", text=True, env=env, capture_output=True)
    port = free_port()
    server = subprocess.Popen(base + ["serve", "--listen", f"127.0.0.1:{port}"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if healthz(port, 1)[0]:
                break
            time.sleep(0.1)
        pid = server.pid
        print(f"server pid {pid}, RSS at start {rss_kib(pid) // 1024} MiB")

        # 1. 200 concurrent unknown-ID logins.
        started = time.monotonic()
        with cf.ThreadPoolExecutor(200) as pool:
            futures = [pool.submit(post_login, port, f"nobody{i}", "password-guess-1") for i in range(200)]
            probe = pool.submit(lambda: (time.sleep(0.3), healthz(port))[1])
            statuses = [f.result() for f in futures]
            ok, probe_ms = probe.result()
        took = time.monotonic() - started
        print(f"1. 200 concurrent logins: {counts(statuses)} in {took:.1f} s; "
              f"peak RSS {rss_kib(pid, 'VmHWM') // 1024} MiB, RSS after {rss_kib(pid) // 1024} MiB; "
              f"/healthz during: {'ok' if ok else 'FAILED'} in {probe_ms:.0f} ms")

        # 2. 50 concurrent wrong guesses at one account (limit 5 per account).
        time.sleep(0.5)
        with cf.ThreadPoolExecutor(50) as pool:
            statuses = list(pool.map(lambda i: post_login(port, "sato", f"wrong-guess-{i:04}"), range(50)))
        print(f"2. 50 concurrent guesses at one account: {counts(statuses)} "
              f"(401 = a guess that was judged)")

        # 3. 2000 throttled attempts: audit rows written.
        started = time.monotonic()
        with cf.ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(lambda i: post_login(port, "sato", "wrong"), range(2000)))
        took = time.monotonic() - started
        audit = subprocess.run(base + ["audit", "--json", "--limit", "100000"], env=env,
                               capture_output=True, text=True).stdout
        throttled_rows = sum(1 for line in audit.splitlines() if '"login.throttled"' in line)
        print(f"3. 2000 refused attempts in {took:.1f} s: {counts(statuses)}; "
              f"login.throttled audit rows: {throttled_rows}")

        # 4. 200 slowloris connections (a head that never ends), /healthz meanwhile.
        socks = []
        for _ in range(200):
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=2)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                socks.append(s)
            except OSError:
                pass
        ok, ms = healthz(port)
        print(f"4. 200 slowloris connections opened: {len(socks)}; /healthz meanwhile: "
              f"{'ok' if ok else 'refused (connection cap)'} in {ms:.0f} ms")
        time.sleep(12)
        still_open = 0
        for s in socks:
            s.settimeout(0.2)
            try:
                s.recv(1024)  # b"" (closed) or the server's answer: not held open
            except socket.timeout:
                still_open += 1
            except OSError:
                pass
            s.close()
        ok, ms = healthz(port)
        print(f"   after 12 s: {still_open} still open; /healthz {'ok' if ok else 'FAILED'} in {ms:.0f} ms")
        big = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            big.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 500_000 + b"\r\n\r\n")
        except OSError:
            pass
        try:
            answer = big.recv(64)
        except OSError:
            answer = b""
        first_line = answer.split(b"\r\n")[0].decode(errors="replace") or "connection closed"
        print(f"   a 500 KB header: {first_line}")
        print(f"RSS at the end {rss_kib(pid) // 1024} MiB, peak {rss_kib(pid, 'VmHWM') // 1024} MiB")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
