#!/usr/bin/env python3
"""The Python comparison row of issue 15: an aiohttp client that keeps a
correct Binance L2 book per symbol (reference section 1.7: buffer diffs, fetch
the REST snapshot, drop stale diffs, resync on a gap; Decimal prices, a sorted
dict per side) from the same combined stream `vigil market tap` reads, and
prints one JSON line per event the way `vigil market tap --depth 1` does
(trades, top-1 book after each applied diff, candles, tickers).

Run against `vigil sim serve --rate 1000000` and compare its events/s with
`vigil market tap --depth 1 --stats` on the same feed:

    python3 scripts/py_book_client.py --ws ws://127.0.0.1:P --rest http://127.0.0.1:P \
        --symbols BTCUSDT,ETHUSDT,SOLUSDT --secs 10 > /dev/null

The last line on stderr is `{"t":"stats","events":N,"elapsed_s":X,"events_per_s":Y}`.
Needs aiohttp and sortedcontainers (`pip install --user aiohttp sortedcontainers`).
"""

import argparse
import asyncio
import json
import sys
import time
from decimal import Decimal

import aiohttp
from sortedcontainers import SortedDict

INTERVALS = ["1m", "5m", "15m", "1h", "4h", "1d"]


def streams(symbol):
    """The ten streams vigil subscribes per symbol (market::config::streams_for)."""
    n = symbol.lower()
    return [f"{n}@trade", f"{n}@bookTicker", f"{n}@depth@100ms", f"{n}@ticker"] + [
        f"{n}@kline_{i}" for i in INTERVALS
    ]


class Book:
    """One symbol's book and its sync state."""

    def __init__(self, symbol):
        self.symbol = symbol
        self.bids = SortedDict()  # price -> qty, best = last
        self.asks = SortedDict()  # price -> qty, best = first
        self.update_id = None  # None while syncing
        self.buffer = []
        self.fetching = False

    def set_levels(self, side, levels):
        for p, q in levels:
            price, qty = Decimal(p), Decimal(q)
            if qty == 0:
                side.pop(price, None)
            else:
                side[price] = qty

    def apply(self, d):
        """Applies a diff; False on a gap (the book must resync)."""
        if d["u"] < self.update_id:
            return True
        if d["U"] > self.update_id + 1:
            return False
        self.set_levels(self.bids, d["b"])
        self.set_levels(self.asks, d["a"])
        self.update_id = d["u"]
        return True

    def crossed(self):
        return self.bids and self.asks and self.bids.peekitem(-1)[0] >= self.asks.peekitem(0)[0]


class Client:
    def __init__(self, args, session, out):
        self.args = args
        self.session = session
        self.out = out
        self.books = {s: Book(s) for s in args.symbols}
        self.events = 0
        self.resyncs = 0

    def emit(self, line):
        self.out.write(json.dumps(line, separators=(",", ":")))
        self.out.write("\n")
        self.events += 1

    def publish(self, book):
        bid = book.bids.peekitem(-1) if book.bids else None
        ask = book.asks.peekitem(0) if book.asks else None
        self.emit(
            {
                "t": "book",
                "sym": book.symbol,
                "seq": book.update_id,
                "bids": [[str(bid[0]), str(bid[1])]] if bid else [],
                "asks": [[str(ask[0]), str(ask[1])]] if ask else [],
            }
        )

    async def snapshot(self, book):
        url = f"{self.args.rest}/api/v3/depth"
        async with self.session.get(url, params={"symbol": book.symbol, "limit": "1000"}) as r:
            r.raise_for_status()
            snap = await r.json()
        last = snap["lastUpdateId"]
        if book.buffer and last < book.buffer[0]["U"]:
            book.fetching = False  # too old: the next diff asks again
            return
        book.bids, book.asks = SortedDict(), SortedDict()
        book.set_levels(book.bids, snap["bids"])
        book.set_levels(book.asks, snap["asks"])
        book.update_id = last
        pending, book.buffer = [d for d in book.buffer if d["u"] > last], []
        book.fetching = False
        for d in pending:
            if not book.apply(d):
                self.resync(book)
                return
        self.publish(book)

    def resync(self, book):
        self.resyncs += 1
        book.update_id = None
        book.buffer = []
        book.fetching = False

    def on_depth(self, d):
        book = self.books.get(d["s"])
        if book is None:
            return
        if book.update_id is None:
            book.buffer.append(d)
            if not book.fetching:
                book.fetching = True
                asyncio.get_running_loop().create_task(self.snapshot(book))
            return
        if not book.apply(d) or book.crossed():
            self.resync(book)
            book.buffer.append(d)
            return
        self.publish(book)

    def on_frame(self, text):
        frame = json.loads(text)
        stream, data = frame.get("stream", ""), frame.get("data")
        if data is None:
            return
        if stream.endswith("@depth@100ms"):
            self.on_depth(data)
        elif stream.endswith("@trade"):
            price, qty = Decimal(data["p"]), Decimal(data["q"])
            side = "sell" if data["m"] else "buy"
            self.emit({"t": "trade", "sym": data["s"], "px": str(price), "qty": str(qty), "side": side, "ts": data["T"]})
        elif "@kline_" in stream:
            k = data["k"]
            self.emit(
                {"t": "candle", "sym": data["s"], "i": k["i"], "open_time": k["t"]}
                | {key: str(Decimal(k[key])) for key in ("o", "h", "l", "c", "v")}
            )
        elif stream.endswith("@ticker"):
            self.emit(
                {"t": "ticker", "sym": data["s"], "chg_pct": str(Decimal(data["P"]))}
                | {name: str(Decimal(data[key])) for name, key in (("high", "h"), ("low", "l"), ("vol", "v"), ("qvol", "q"))}
            )
        # bookTicker: a freshness signal only, no event (as in vigil).

    async def run(self):
        names = [s for sym in self.args.symbols for s in streams(sym)]
        url = f"{self.args.ws}/stream?streams={'/'.join(names)}"
        started = time.monotonic()
        deadline = started + self.args.secs
        frames = 0
        async with self.session.ws_connect(url, max_msg_size=0) as ws:
            while time.monotonic() < deadline:
                msg = await ws.receive()
                if msg.type == aiohttp.WSMsgType.TEXT:
                    self.on_frame(msg.data)
                    frames += 1
                    if frames % 256 == 0:
                        await asyncio.sleep(0)  # a saturated socket never yields: let snapshots run
                elif msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                    break
        self.out.flush()
        elapsed = time.monotonic() - started
        return {"t": "stats", "events": self.events, "elapsed_s": elapsed, "events_per_s": self.events / elapsed, "resyncs": self.resyncs}


async def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ws", required=True, help="ws://host:port of the feed (without /stream)")
    p.add_argument("--rest", required=True, help="http://host:port of the REST API")
    p.add_argument("--symbols", default="BTCUSDT,ETHUSDT,SOLUSDT", type=lambda s: s.upper().split(","))
    p.add_argument("--secs", type=float, default=10.0)
    args = p.parse_args()
    out = open(sys.stdout.fileno(), "w", buffering=64 * 1024, closefd=False)
    async with aiohttp.ClientSession() as session:
        stats = await Client(args, session, out).run()
    print(json.dumps(stats), file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
