"""Benchmark `slabot demo`: its wall time over a few runs, against the 2 second target.

    .venv/bin/python -m bench.bench_demo                # 5 runs, and one paced run
    .venv/bin/python -m bench.bench_demo --runs 10 --no-paced

The target: `slabot demo` finishes in under 2 seconds of wall time (median of the runs).

What is timed (wall clock, `time.perf_counter`, around a fresh process each run; CPU is the
child's user + system time from `getrusage(RUSAGE_CHILDREN)`):

* start-up floor (baseline): `python -c "import bot.demo.week"`, the interpreter and the imports
  every run of the demo pays before it does anything;
* `slabot demo`: the installed console script (or
  `python -m bot.entrypoints.cli demo` where there is
  none), its output checked to be the same on every run;
* informative, `--no-paced` skips it: the demo with delivery paced at Slack's one post a
  second per channel, as it ran before its deliverer turned pacing off (one run; the
  difference is time spent asleep).

Wall time on a shared machine includes waiting for a CPU: the load average is printed at the
start and the end, and CPU time beside each wall time. It is a measurement, not a test: it
prints PASS/FAIL for the target and always exits 0.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.bench_sweep import revision

TARGET_SECONDS = 2.0
ROOT = Path(__file__).resolve().parents[1]

#: the demo as it ran before: the deliverer built with the default pacer (1 s per channel)
PACED = (
    "import sys\n"
    "import bot.demo.stage\n"
    "import bot.demo.week\n"
    "from bot.delivery.pacer import Pacer\n"
    "bot.demo.stage.Pacer = lambda interval=1.0: Pacer()\n"
    "bot.demo.week.run_demo(sys.stdout)\n"
)


@dataclass
class Series:
    name: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    outputs: set[str] = field(default_factory=set)

    def row(self) -> str:
        return (
            f"  {self.name:<40} {min(self.wall):7.2f} {statistics.median(self.wall):8.2f} "
            f"{max(self.wall):7.2f} {statistics.median(self.cpu):8.2f} {len(self.wall):4}"
        )


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(series: Series, argv: list[str], cwd: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SLA_CONFIG")}
    cpu = children_cpu()
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    series.wall.append(time.perf_counter() - start)
    series.cpu.append(children_cpu() - cpu)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr}")
    series.outputs.add(hashlib.sha256(done.stdout.encode()).hexdigest()[:12])


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument("--no-paced", action="store_true", help="skip the paced run (~7 s)")
    args = parser.parse_args(argv)

    script = Path(sys.executable).parent / "slabot"
    module = [sys.executable, "-m", "bot.entrypoints.cli", "demo"]
    demo = [str(script), "demo"] if script.is_file() else module
    print("bench_demo: `slabot demo` wall time")
    python = platform.python_version()
    print(f"machine:  {os.cpu_count()} CPUs, {platform.platform()}, Python {python}")
    print(f"tree:     {revision()}")
    print(f"load:     {load()} at start")
    print(f"command:  {' '.join(demo)}, {args.runs} runs\n")

    floor = Series("start-up floor: python -c 'import bot.demo.week'")
    measured = Series("slabot demo")
    paced = Series("informative: paced at 1 post/s/channel")
    for n in range(args.runs):
        print(f"   round {n + 1}/{args.runs}", flush=True)
        timed(floor, [sys.executable, "-c", "import bot.demo.week"], ROOT)
        timed(measured, demo, ROOT)
    if not args.no_paced:
        print("   the paced run", flush=True)
        timed(paced, [sys.executable, "-c", PACED], ROOT)

    print(f"\n  {'(seconds)':<40} {'min':>7} {'median':>8} {'max':>7} {'cpu med':>8} {'n':>4}")
    for series in (floor, measured, paced):
        if series.wall:
            print(series.row())
    same = len(measured.outputs) == 1 and (not paced.outputs or paced.outputs == measured.outputs)
    print(
        f"  output: {'the same on every run' if same else 'DIFFERS between runs'} "
        f"(sha256 {', '.join(sorted(measured.outputs | paced.outputs))})"
    )
    print(f"load:     {load()} at the end")

    median = statistics.median(measured.wall)
    verdict = "PASS" if median < TARGET_SECONDS else "FAIL"
    print(f"\ntarget: `slabot demo` under {TARGET_SECONDS:.0f} s wall (median): {verdict}", end="")
    print(f" ({median:.2f} s; CPU {statistics.median(measured.cpu):.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
