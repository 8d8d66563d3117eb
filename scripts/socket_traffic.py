#!/usr/bin/env python3
"""What the engine's socket sends one observer: frames and bytes per kind.

Usage: scripts/socket_traffic.py DATA_DIR [SECONDS]
Connects to DATA_DIR/vigil.sock as an observer (the same hello `vigil status`
sends), reads for SECONDS (default 10) and prints, per frame kind, the count,
the bytes, the average frame and the rate. Read-only: it sends nothing else.
"""
import collections
import json
import socket
import struct
import sys
import time


def main() -> None:
    data_dir = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    conn = socket.socket(socket.AF_UNIX)
    conn.connect(f"{data_dir}/vigil.sock")
    hello = json.dumps({"Hello": {"protocol": 1, "client": "socket_traffic.py", "operate": False, "code": None}})
    conn.sendall(struct.pack(">I", len(hello)) + hello.encode())
    buffered = b""

    def read(n: int) -> bytes:
        nonlocal buffered
        while len(buffered) < n:
            chunk = conn.recv(1 << 20)
            if not chunk:
                raise SystemExit("the engine closed the connection")
            buffered += chunk
        out, buffered = buffered[:n], buffered[n:]
        return out

    frames, sizes = collections.Counter(), collections.Counter()
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        (length,) = struct.unpack(">I", read(4))
        frame = json.loads(read(length))
        kind = next(iter(frame)) if isinstance(frame, dict) else str(frame)
        frames[kind] += 1
        sizes[kind] += length
    elapsed = time.monotonic() - start
    for kind in frames:
        print(
            f"{kind}: {frames[kind]} frames, {sizes[kind]} bytes, avg {sizes[kind] // frames[kind]} B, "
            f"{frames[kind] / elapsed:.1f}/s, {sizes[kind] / elapsed / 1024:.0f} KiB/s"
        )


if __name__ == "__main__":
    main()
