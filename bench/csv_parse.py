"""CSV parse benchmark: a generated CSV of --mb megabytes parsed by the app's parser, in a fresh process.

    python bench/csv_parse.py [--mb 50] [--json]

The file mixes what uploads hold (ISO dates, categories, decimals, integers, `$1,234` amounts, labels).
The child process warms the engine on a tiny file, then parses the big one and reports the time and its
peak RSS growth (Linux's VmHWM, reset just before, minus the RSS then). Targets (issue 13): under 10 s,
growth under 2x the file's size. Exits non-zero on a miss (bench/gate.py). `--json` prints one JSON line
instead (what the memory test reads).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gate import Gate

SECONDS_TARGET = 10.0
GROWTH_RATIO_TARGET = 2.0
HEADER = "date,category,region,value,count,price,label\n"
CHILD = """
import json, sys, time
from pathlib import Path
from storyanalytics.api.services.csvdata import parse_csv, parse_csv_file

def status(field):
    # VmHWM is this process's own peak (ru_maxrss would carry the parent's RSS across fork and exec).
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(field + ":"))

parse_csv(b"a,b\\n1,2\\n")  # the engine loaded and opened: what every later parse finds
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak starts again from here
before = status("VmRSS")
start, cpu = time.perf_counter(), time.process_time()
parsed = parse_csv_file(Path(sys.argv[1]))
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
growth = max(0, status("VmHWM") - before)
print(json.dumps({"seconds": seconds, "cpu": cpu, "growth": growth, "rows": parsed.row_count}))
"""


def write_csv(path: Path, megabytes: float, seed: int = 1) -> int:
    """A CSV of about `megabytes` MB; the number of data rows."""
    rng = random.Random(seed)
    categories = [f"Category {i}" for i in range(40)]
    regions = ["North", "South", "East", "West", "Central"]
    start = date(2000, 1, 1)
    limit = int(megabytes * 1024 * 1024)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write(HEADER)
        while stream.tell() < limit:
            lines = []
            for _ in range(1000):
                day = start + timedelta(days=rng.randrange(9000))
                lines.append(
                    f"{day.isoformat()},{rng.choice(categories)},{rng.choice(regions)},"
                    f"{rng.random() * 1000:.3f},{rng.randrange(100000)},"
                    f'"${rng.randrange(1, 99999):,}",item-{rng.randrange(10**6)}\n'
                )
            stream.write("".join(lines))
            rows += len(lines)
    return rows


def measure(megabytes: float) -> dict[str, float]:
    """Parse a generated CSV in a fresh process: {seconds, growth (bytes), rows, size (bytes)}."""
    with tempfile.TemporaryDirectory(prefix="sa-csv-bench-") as folder:
        path = Path(folder) / "data.csv"
        write_csv(path, megabytes)
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"the parse failed: {done.stderr.strip()[-2000:]}")
        result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
        result["size"] = path.stat().st_size
    return result


def report(result: dict[str, float], gate: Gate) -> None:
    size_mb, growth_mb = result["size"] / 1e6, result["growth"] / 1e6
    ratio = result["growth"] / result["size"]
    print(f"CSV parse: {size_mb:.1f} MB, {int(result['rows']):,} rows")
    verdict = gate.record("CSV parse time", result["seconds"] < SECONDS_TARGET)
    print(f"  time        {result['seconds']:6.2f} s   (target < {SECONDS_TARGET:.0f} s)  {verdict}")
    # For information: CPU seconds (all threads) depend far less on a busy machine than the wall clock.
    print(f"  CPU         {result['cpu']:6.2f} s   (all threads)")
    verdict = gate.record("CSV parse memory", ratio < GROWTH_RATIO_TARGET)
    print(
        f"  RSS growth  {growth_mb:6.1f} MB  {ratio:.2f}x the file (target < {GROWTH_RATIO_TARGET:.0f}x)  "
        f"{verdict}"
    )


def check(gate: Gate, megabytes: float = 50) -> None:
    """Measure and print, the targets recorded in `gate` (bench/load.py runs this after its phases)."""
    report(measure(megabytes), gate)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args.mb)
    if args.json:
        print(json.dumps(result))
        return 0
    gate = Gate()
    report(result, gate)
    return gate.finish()


if __name__ == "__main__":
    raise SystemExit(main())
