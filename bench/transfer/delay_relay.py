#!/usr/bin/python3
"""WAN emulation for bench/transfer (not a test, not product code): a TCP relay that delays each direction.

Usage: delay_relay.py LISTEN_PORT TARGET_HOST TARGET_PORT --delay-ms D [--rate-mbit M] [--queue-mb Q]

Listens on 127.0.0.1:LISTEN_PORT; every accepted connection is joined to TARGET_HOST:TARGET_PORT. Each
direction has a reader thread and a writer thread: the reader stamps every chunk it receives, the writer
sends it no earlier than stamp + D milliseconds (a fixed one-way delay, so the round trip adds 2 × D),
in order, no faster than M Mbit/s if given. At most Q MB wait in one direction (default: the larger of
4 MB and twice the bandwidth-delay product); a full queue stops the reader, so TCP's flow control
reaches the sender as it would at a bottleneck router. Used because this machine's kernel has no netem
qdisc; docs/BENCHMARKS.md (Transfer at emulated latency) says what this does not emulate.
"""
import argparse
import collections
import socket
import sys
import threading
import time

CHUNK = 256 * 1024


class Pipe:
    def __init__(self, src, dst, delay, rate_bytes, limit):
        self.src, self.dst, self.delay, self.rate, self.limit = src, dst, delay, rate_bytes, limit
        self.queue = collections.deque()
        self.queued = 0
        self.cond = threading.Condition()
        self.eof = False

    def read(self):
        try:
            while True:
                with self.cond:
                    while self.queued >= self.limit:
                        self.cond.wait()
                data = self.src.recv(CHUNK)
                with self.cond:
                    if not data:
                        self.eof = True
                    else:
                        self.queue.append((time.monotonic() + self.delay, data))
                        self.queued += len(data)
                    self.cond.notify_all()
                if not data:
                    return
        except OSError:
            with self.cond:
                self.eof = True
                self.cond.notify_all()

    def write(self):
        next_free = time.monotonic()  # the rate limit: when the "link" is free for the next byte
        try:
            while True:
                with self.cond:
                    while not self.queue and not self.eof:
                        self.cond.wait()
                    if not self.queue:
                        break
                    due, data = self.queue[0]
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                if self.rate:
                    now = time.monotonic()
                    next_free = max(next_free, now) + len(data) / self.rate
                    if next_free - now > 0.002:
                        time.sleep(next_free - now)
                self.dst.sendall(data)
                with self.cond:
                    self.queue.popleft()
                    self.queued -= len(data)
                    self.cond.notify_all()
            self.dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(conn, a):
    try:
        upstream = socket.create_connection((a.target_host, a.target_port))
    except OSError:
        conn.close()
        return
    for s in (conn, upstream):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    rate = a.rate_mbit * 1e6 / 8 if a.rate_mbit else 0
    bdp = (rate or 1.25e9) * 2 * a.delay_ms / 1000  # unlimited: as if 10 Gbit/s
    limit = int(a.queue_mb * 1e6) if a.queue_mb else max(4_000_000, int(2 * bdp))
    threads = []
    for src, dst in ((conn, upstream), (upstream, conn)):
        p = Pipe(src, dst, a.delay_ms / 1000, rate, limit)
        threads += [threading.Thread(target=p.read, daemon=True), threading.Thread(target=p.write, daemon=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    conn.close()
    upstream.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("listen_port", type=int)
    ap.add_argument("target_host")
    ap.add_argument("target_port", type=int)
    ap.add_argument("--delay-ms", type=float, required=True, help="one-way delay per direction")
    ap.add_argument("--rate-mbit", type=float, default=0)
    ap.add_argument("--queue-mb", type=float, default=0)
    a = ap.parse_args()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", a.listen_port))
    listener.listen(16)
    print("ready", flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn, a), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
