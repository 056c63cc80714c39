#!/usr/bin/python3
"""Transfer benchmark (not a test): Sluice's upload_file / download_file vs OpenSSH sftp and scp.

Usage: bench/transfer/run.py [--runs 3] [--size-mb 1000] [--build build/release] [--no-write]
                             [--rtt-ms 0,20,60 [--rate-mbit M]]
With --rtt-ms every client reaches the sshd through bench/transfer/delay_relay.py (half the round trip
added each way, optionally rate-limited), once per listed round trip; the table then goes to the
"Transfer at emulated latency" section, with rsync over ssh and sftp -R 256 beside the others.
Needs root (tests/cluster/up.sh starts an sshd and a test user in a temporary directory; down.sh stops
them afterwards). Builds nothing: run `cmake --build <build> --target bench_transfer` first. All three
clients move the same file over loopback in the same run, in rotating order, median of --runs each;
page cache warm. Writes the "Transfer" section of docs/BENCHMARKS.md and prints it.
"""
import argparse
import json
import os
import platform
import shlex
import socket
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLUSTER = os.path.join(ROOT, "tests", "cluster")
HEADING = "## Transfer (`bench/transfer/run.py`)"
WAN_HEADING = "## Transfer at emulated latency (`bench/transfer/run.py --rtt-ms`)"
WAN_NOTES = """\
### How latency is emulated, and what that leaves out
The issue asked for the sshd in a network namespace behind a veth pair with netem. Namespaces and veth
pairs work here, but this machine's kernel has no netem qdisc and cannot load modules, so there is no
way to delay packets in the kernel. bench/transfer/delay_relay.py delays in user space instead: a TCP
relay on 127.0.0.1 in front of the test sshd, one reader and one writer thread per direction, each
chunk sent on no earlier than half the round trip after it arrived, in order, optionally no faster than
--rate-mbit. Its limits:
- **It delays bytes, not packets.** Each leg is loopback TCP; the sender's TCP window is bounded by the
  relay's queue (4 MB, or twice the bandwidth-delay product), not by TCP's own congestion control over a
  lossy path. There is no loss, no reordering and no jitter beyond the relay's own (~1 ms: 20 ms
  configured measured 21.4 ms with an echo server).
- **It costs CPU** on the same two cores as client and server (Python, 256 KiB chunks), and its
  throughput is capped (~90 MB/s each way with both directions busy at once, more with one). That is
  why 0 ms is plain loopback without the relay, and why rows near that cap compare the relay, not the
  clients.
- What it does emulate faithfully is what decides SFTP over a long path: every request waits one
  round trip for its reply, and every SSH channel window must be re-opened by a message that travels
  the delayed path, so the bytes in flight per channel bound the rate (rate ≤ window / RTT).

### What the table shows (200 MB, median of 3; against issue 18's targets)
- **Windows and streams** (DESIGN §6): libssh 0.10 keeps a channel's receive window at 0.64 to 1.28 MB,
  so one download channel moved ~0.64 MB per round trip (0.42× sftp at 20 ms); Sluice now keeps each
  download channel's window at the path's bandwidth-delay product for ~256 MB/s (5 MB at 20 ms, at most
  8 MiB), so one stream does at 20 ms what eight did before, without their set-up. An upload channel
  is bounded by sshd's 2 MB window, so an upload of 64 MiB or more still uses several (3 at 20 ms,
  8 at 60 ms). An 8 MiB window on loopback made the download 4× slower (3.95 s against 0.88 s for
  sftp): replies that arrive faster than they are collected pile up in libssh's buffer; hence the
  window follows the round trip, and loopback keeps libssh's own.
- **≥ 1.5× sftp at 20 ms both ways: met, whole call included** (upload 1.58×, download 1.95×; data
  phase 2.50× and 2.66×). Sluice's whole call counts its set-up script, opening its channels, the
  server's SHA-256 and the fsync, but not its login; sftp's whole process counts its login (a few
  round trips). What came off the whole call since the previous table (1.37×, 1.42×): the transfers'
  scripts no longer read the login profile (~0.15 s each here, with Lmod), the upload's set-up script
  runs while the SFTP channel opens, and the download needs one channel instead of eight
  (~16 round trips of `sftp_init` and `sftp_open`, one channel at a time).
- **60 ms:** whole call 2.26× (upload) and 3.86× (download). The upload's data phase (231 MB/s) is
  above what the relay has been measured to carry (~90 MB/s with both directions busy): the relay
  queues up to twice a 10 Gbit/s bandwidth-delay product, so acknowledged writes are not a reliable
  clock there; read the whole-call column for uploads at 60 ms.
- **≥ 1.0× on loopback both ways (item 3):** data phase met (upload 1.48×, download 1.27×); whole call
  met for the upload (1.15×) and 5 % short for the download (0.95×: 0.93 s against 0.89 s). Timed
  alone, the loopback download's whole call is 0.06 s of SFTP set-up (sshd starting the subsystem),
  the data, and 0.11 to 0.16 s of `fsync`, which sftp does not do and which makes the result durable
  before it is renamed into place; write-back is started every 8 MiB as the data comes, so what is
  left is the file system's commit, not the data. The server's hash is done by the time the data is.
  Loopback runs vary by up to a third on this VM (see "Transfer" above).
- **Tried and dropped:** hashing the upload on the server while it is sent (the client passing the
  acknowledged size to a script that feeds `tail | head` into one `openssl dgst`), to take the final
  hash (~0.25 s per 200 MB) off the whole call. On this machine, where client, server and relay share
  two cores, it made uploads slower (three pairs of runs beside a build: 3.2 to 4.2 s against 2.3 to
  3.0 s): the pipes cost more CPU
  than one `openssl` reading the file, and the CPU is what the transfer runs short of. A server with
  idle cores would gain; this benchmark cannot show it, so it is not in.
- The 20 ms rows (~160-200 MB/s) are above the relay's earlier measured cap with both directions busy;
  with one bulk direction it carries more. A faster relay (C++ with splice) would remove the doubt.
"""

# What the measurements showed (kept here so that a rerun rewrites the section with them).
NOTES = """\
### Against the target (≥ 1.0× OpenSSH sftp both ways)
Three runs on an otherwise idle machine (the table above is the third) gave, for the data phase:
upload 1.10×, 1.35×, 0.87×; download 1.07×, 1.19×, 0.84× — met in the median (1.10× and 1.07×), not in
every run. Three runs while two builds shared the cores gave upload 1.15×, 1.25×, 1.09× and download
0.93×, 1.37×, 0.89×. Run to run, each client's time moves by up to a third on this VM, so single ratios
within ±0.2 of 1 do not separate the clients; see "Download" below for the one cost Sluice has that sftp
has not. Counting Sluice's whole call, uploads are
below sftp (0.68× to 0.99×): the server's extra SHA-256 of the file is time sftp does not spend.

What the measurements show (`perf record`, `perf stat -e syscalls:*`, `/usr/bin/time`):
- **Noise dominates single numbers.** Under load (builds, engine runs on the same two cores) one
  client's time moved by a third and more between runs. The clients run in
  rotating order so that each sees the same conditions; only ratios within one run mean much.
- **Client work is on a par.** Per GB, Sluice's process used 2.1 s of CPU uploading and 3.2 to 6.4 s
  downloading, OpenSSH's sftp (same cipher) 1.8 to 2.1 s and 4.2 to 5.9 s, although Sluice also hashes
  every byte (SHA-256 with the CPU's SHA instructions, ~0.7 s per GB). Client and server share two cores, so
  throughput is whatever CPU the server's sshd gets.
- **Cipher:** Sluice asks for AES-GCM first; OpenSSH's default is chacha20-poly1305, which costs more
  CPU with AES-NI. The `-c aes128-gcm` row is OpenSSH with the same cipher: in the third run it is
  ahead of Sluice both ways (in the second, Sluice led the upload).
- **Request sizes:** requests of 64 KiB to 255 KiB instead of 32 KiB, or 8 or 16 in flight instead of
  64, changed nothing beyond the noise: the server is the bottleneck, not the client's pipeline.
- **Download:** libssh 0.10 reads its socket 4 KiB at a time, one `poll` and one `recv` each (1 GB:
  246 000 of each, against 30 000 writes of 32 KiB to the file), and system calls are expensive on
  this VM: kernel time is ~40 % of the client's CPU. Closing that needs a larger read buffer inside
  libssh (its `MAX_BUF_SIZE`; or libssh 0.11), not a change in Sluice. The server's hash runs while the
  file is read, so the whole call adds only the fsync and the wait for the hash.
- **Upload, whole call:** the server hashes the whole file before the rename. `sha256sum` (coreutils,
  no SHA instructions) took 2.4 s of CPU per GB here, `openssl dgst -sha256` 0.7 s, so the server's
  hash now prefers openssl.
"""


def shell_join(words):
    return " ".join(shlex.quote(w) for w in words)


def read_env(path):
    env = {}
    for line in open(path):
        key, eq, value = line.rstrip("\n").partition("=")
        if eq:
            env[key] = value
    return env


def machine_facts(load):
    cpu = "?"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    flags = open("/proc/cpuinfo").read()
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    openssh = subprocess.run(["ssh", "-V"], capture_output=True, text=True).stderr.strip()
    libssh = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libssh-4"], capture_output=True,
                            text=True).stdout.strip() or "?"
    aes = "AES-NI" if " aes " in flags else "no AES-NI"
    return (f"{cpu}, {os.cpu_count()} cores ({aes}), {mem_gb:.0f} GB RAM, Linux {platform.release()}; "
            f"{openssh}; libssh {libssh}; 1-minute load average {load[0]:.1f} before and {load[1]:.1f} after")


def timed(cmd):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"run.py: {' '.join(cmd)} failed:\n{r.stderr}")
    return seconds, r.stdout


def write_section(section, heading=HEADING):
    path = os.path.join(ROOT, "docs", "BENCHMARKS.md")
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    start = text.find(heading)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
    open(path, "w").write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--size-mb", type=int, default=1000)
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--no-write", action="store_true", help="print, do not touch docs/BENCHMARKS.md")
    ap.add_argument("--rtt-ms", help="comma-separated round-trip times through the delay relay, e.g. 0,20,60")
    ap.add_argument("--rate-mbit", type=float, default=0, help="the relay's rate limit per direction")
    a = ap.parse_args()
    bench = os.path.join(os.path.abspath(a.build), "bench", "bench_transfer")
    if not os.access(bench, os.X_OK):
        sys.exit(f"run.py: {bench} is missing (cmake --build {a.build} --target bench_transfer)")

    work = tempfile.mkdtemp(prefix="sluice-bench-transfer-")
    os.chmod(work, 0o755)  # the test user reads its home and authorized_keys below it
    cluster = os.path.join(work, "cluster")
    try:
        subprocess.run(["bash", os.path.join(CLUSTER, "up.sh"), cluster], check=True, stdout=subprocess.DEVNULL)
        env = read_env(os.path.join(cluster, "env"))
        if "SKIP" in env:
            sys.exit(f"run.py: {env['SKIP']}")
        load_before = os.getloadavg()[0]
        if a.rtt_ms is None:
            rows, ciphers = measure(a, bench, work, cluster, env)
        else:
            wan = {rtt: measure_through_relay(a, bench, work, cluster, env, rtt)
                   for rtt in (float(x) for x in a.rtt_ms.split(","))}
        load = (load_before, os.getloadavg()[0])
    finally:
        subprocess.run(["bash", os.path.join(CLUSTER, "down.sh"), cluster])
        shutil.rmtree(work, ignore_errors=True)

    if a.rtt_ms is None:
        section, heading = render(a, rows, ciphers, load), HEADING
    else:
        section, heading = render_wan(a, wan, load), WAN_HEADING
    print(section)
    if not a.no_write:
        write_section(section, heading)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure_through_relay(a, bench, work, cluster, env, rtt):
    """measure() with every client connecting to a delay relay in front of the sshd (0 ms: straight to it)."""
    if rtt == 0 and not a.rate_mbit:
        return measure(a, bench, work, cluster, env, wan=True)
    port = free_port()
    cmd = [sys.executable, os.path.join(ROOT, "bench", "transfer", "delay_relay.py"), str(port), env["SSH_HOST"],
           env["SSH_PORT"], "--delay-ms", str(rtt / 2)]
    if a.rate_mbit:
        cmd += ["--rate-mbit", str(a.rate_mbit)]
    relay = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        relay.stdout.readline()  # "ready"
        relayed = dict(env, SSH_PORT=str(port))
        env_path = os.path.join(work, f"env-{port}")
        with open(env_path, "w") as f:
            f.writelines(f"{k}={v}\n" for k, v in relayed.items())
        return measure(a, bench, work, cluster, relayed, env_path=env_path, wan=True)
    finally:
        relay.terminate()
        relay.wait()


def measure(a, bench, work, cluster, env, env_path=None, wan=False):
    env_path = env_path or os.path.join(cluster, "env")
    size = a.size_mb * 1000 * 1000
    home = os.path.join(cluster, "home")
    source = os.path.join(work, "source.bin")
    with open(source, "wb") as f:
        block = os.urandom(1 << 20)
        left = size
        while left > 0:
            # Differing blocks: nothing along the way can shortcut repeated data.
            f.write(block[: min(left, len(block))])
            block = block[1:] + block[:1]
            left -= len(block)
    # The download source, owned by the test user like anything the user uploads.
    remote_source = os.path.join(home, "source.bin")
    shutil.copyfile(source, remote_source)
    shutil.chown(remote_source, env["SSH_USER"])

    known_hosts = os.path.join(work, "known_hosts")
    with open(known_hosts, "w") as f:
        f.write(f"[{env['SSH_HOST']}]:{env['SSH_PORT']} " + open(env["SSH_HOST_KEY_PUB"]).read())
    ssh_opts = ["-F", "/dev/null", "-i", env["SSH_KEY"], "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", f"UserKnownHostsFile={known_hosts}", "-o", "StrictHostKeyChecking=yes"]
    target = f"{env['SSH_USER']}@{env['SSH_HOST']}"
    batch = os.path.join(work, "batch")
    local_copy = os.path.join(work, "copy.bin")

    def clean(path):
        for p in (path, path + ".part"):
            if os.path.exists(p):
                os.remove(p)

    def sluice(direction):
        if direction == "up":
            clean(os.path.join(home, "up.bin"))
            _, out = timed([bench, env_path, "up", source, "up.bin"])
        else:
            clean(local_copy)
            _, out = timed([bench, env_path, "down", "source.bin", local_copy])
        r = json.loads(out)
        ciphers["Sluice"] = r["cipher"]
        streams.setdefault(direction, set()).add(r.get("streams", 1))
        return r["transfer_seconds"], r["seconds"]

    def sftp(direction, extra=()):
        with open(batch, "w") as f:
            f.write(f'put "{source}" up.bin\n' if direction == "up" else f'get source.bin "{local_copy}"\n')
        clean(os.path.join(home, "up.bin") if direction == "up" else local_copy)
        seconds, _ = timed(["sftp", "-q", *extra, "-b", batch, "-P", env["SSH_PORT"]] + ssh_opts + [target])
        return seconds, seconds

    def scp(direction):
        args = [source, f"{target}:up.bin"] if direction == "up" else [f"{target}:source.bin", local_copy]
        clean(os.path.join(home, "up.bin") if direction == "up" else local_copy)
        seconds, _ = timed(["scp", "-q", "-P", env["SSH_PORT"]] + ssh_opts + args)
        return seconds, seconds

    def rsync(direction):
        args = [source, f"{target}:up.bin"] if direction == "up" else [f"{target}:source.bin", local_copy]
        clean(os.path.join(home, "up.bin") if direction == "up" else local_copy)
        rsh = shell_join(["ssh", "-p", env["SSH_PORT"]] + ssh_opts)
        seconds, _ = timed(["rsync", "-q", "--whole-file", "-e", rsh] + args)
        return seconds, seconds

    ciphers = {}
    streams = {}  # the SFTP streams Sluice chose, per direction
    probe = subprocess.run(["ssh", "-v", "-p", env["SSH_PORT"]] + ssh_opts + [target, "true"], capture_output=True,
                           text=True)
    for line in probe.stderr.splitlines():
        if "kex: client->server cipher:" in line:
            ciphers["OpenSSH"] = line.split("cipher:")[1].split()[0]
    tools = [("Sluice", sluice), ("OpenSSH sftp -b", sftp), ("OpenSSH scp", scp),
             ("OpenSSH sftp -b -c aes128-gcm", lambda d: sftp(d, ["-c", "aes128-gcm@openssh.com"]))]
    if wan:
        tools = [("Sluice", sluice), ("OpenSSH sftp -b", sftp),
                 ("OpenSSH sftp -b -R 256", lambda d: sftp(d, ["-R", "256"])), ("OpenSSH scp", scp),
                 ("rsync over ssh", rsync)]
    results = {(name, d): [] for name, _ in tools for d in ("up", "down")}
    for run in range(a.runs):
        for direction in ("up", "down"):
            order = tools[run % len(tools):] + tools[:run % len(tools)]
            for name, fn in order:
                results[(name, direction)].append(fn(direction))
                moved = os.path.join(home, "up.bin") if direction == "up" else local_copy
                if os.path.getsize(moved) != size:
                    sys.exit(f"run.py: {name} {direction}: {os.path.getsize(moved)} bytes, not {size}")
    rows = []
    for direction in ("up", "down"):
        for name, _ in tools:
            samples = results[(name, direction)]
            rows.append((direction, name, statistics.median(s[0] for s in samples),
                         statistics.median(s[1] for s in samples)))
    ciphers["Sluice streams"] = {d: "/".join(str(n) for n in sorted(s)) for d, s in streams.items()}
    return rows, ciphers


def with_notes(lines, notes):
    """The section's text: its table, then the notes on what the measurements showed."""
    lines = lines + [""] + ([notes.rstrip("\n"), ""] if notes.strip() else [])
    return "\n".join(lines) + "\n"


def render(a, rows, ciphers, load):
    mb = a.size_mb
    sftp = {d: t for d, name, t, _ in rows if name == "OpenSSH sftp -b"}
    lines = [HEADING, "",
             f"Command: `/usr/bin/python3 bench/transfer/run.py --runs {a.runs} --size-mb {mb} --build "
             f"{os.path.relpath(os.path.abspath(a.build), ROOT)}` (RelWithDebInfo, -O2).",
             f"{mb} MB of random bytes over loopback to an sshd started by tests/cluster/up.sh (internal-sftp, "
             f"each client's default cipher: Sluice (libssh) {ciphers.get('Sluice', '?')}, OpenSSH "
             f"{ciphers.get('OpenSSH', '?')}), median of {a.runs} runs, page cache warm, clients in rotating "
             f"order. This machine: {machine_facts(load)}.",
             "",
             "\"Data phase\" for Sluice is the time from its first to its last progress report, scaled to every "
             "byte: what sftp and scp do. \"Whole call\" adds what only Sluice does: the set-up round trip "
             "(directory, known copy), the server's SHA-256 of the file (upload: after the data, before the "
             "rename; download: computed while the file is read, waited for at the end), and the fsync of a "
             "download. OpenSSH times are whole processes (with login).",
             "",
             "| direction | client | data phase | MB/s | × sftp | whole call | MB/s |",
             "|---|---|---|---|---|---|---|"]
    for direction, name, t, whole in rows:
        ratio = sftp[direction] / t
        lines.append(f"| {'upload' if direction == 'up' else 'download'} | {name} | {t:.2f} s | {mb / t:.0f} | "
                     f"{ratio:.2f}× | {whole:.2f} s | {mb / whole:.0f} |")
    return with_notes(lines, NOTES)


def render_wan(a, wan, load):
    mb = a.size_mb
    rate = f", rate limit {a.rate_mbit:g} Mbit/s each way" if a.rate_mbit else ", no rate limit"
    lines = [WAN_HEADING, "",
             f"Command: `/usr/bin/python3 bench/transfer/run.py --runs {a.runs} --size-mb {mb} --build "
             f"{os.path.relpath(os.path.abspath(a.build), ROOT)} --rtt-ms {a.rtt_ms}"
             f"{f' --rate-mbit {a.rate_mbit:g}' if a.rate_mbit else ''}`.",
             f"{mb} MB of random bytes to and from the sshd of tests/cluster/up.sh through "
             f"bench/transfer/delay_relay.py (half the round trip added in each direction{rate}; 0 ms without a rate limit is plain "
             f"loopback, no relay), median of {a.runs} runs, clients in rotating order, each client's default cipher. Times are the data phase "
             f"for Sluice and whole processes (with login, which costs a few round trips) for OpenSSH and rsync; "
             f"Sluice's whole call (set-up script, opening its SFTP channels, the server's SHA-256, the fsync; "
             f"no login) is in the last two columns. "
             f"This machine: {machine_facts(load)}.",
             "",
             "| RTT | direction | client | time | MB/s | × sftp | whole call | × sftp |",
             "|---|---|---|---|---|---|---|---|"]
    for rtt, (rows, ciphers) in wan.items():
        sftp = {d: t for d, name, t, _ in rows if name == "OpenSSH sftp -b"}
        for direction, name, t, whole in rows:
            if name == "Sluice":
                n = ciphers.get("Sluice streams", {}).get(direction, "?")
                name = f"Sluice ({n} SFTP stream{'' if n == '1' else 's'})"
            lines.append(f"| {rtt:g} ms | {'upload' if direction == 'up' else 'download'} | {name} | {t:.2f} s | "
                         f"{mb / t:.0f} | {sftp[direction] / t:.2f}× | {whole:.2f} s | {sftp[direction] / whole:.2f}× |")
    return with_notes(lines, WAN_NOTES)


if __name__ == "__main__":
    sys.exit(main())
