"""What a run killed at a random moment costs, and proof that the next run repairs it.

Generates a messy sample landing zone, times one clean `parwatch run` over it, then runs CYCLES
kill-and-rerun cycles, each on a fresh warehouse: a run SIGKILLed (children included) at a random
moment of a random phase (loading, checks, dbt build, summary and publishing), then a run to the
end. Each cycle's warehouse is compared with the clean one (tests/warehouse_compare.snapshot).
Prints every cycle, then the clean run's time against the finishing run's and the whole cycle's.

    python benchmarks/kill_rerun.py [--cycles 30] [--dossiers 800] [--days 45] [--seed N]
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from warehouse_compare import RunProcess, differences, kill_plan, kill_then_finish, snapshot  # noqa: E402

from pipelines.generator import generate  # noqa: E402
from pipelines.lifecycle import serving_path  # noqa: E402

KEY = "benchmark-key-for-parwatch-kill-rerun-0123456789"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=30)
    parser.add_argument("--dossiers", type=int, default=800)
    parser.add_argument("--days", type=int, default=45)
    parser.add_argument("--seed", type=int, default=random.randrange(1_000_000))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="parwatch_kill_") as tmp:
        root = Path(tmp)
        generate(root / "landing", dossiers=args.dossiers, days=args.days)
        clean = RunProcess(root / "landing", root / "clean" / "warehouse.duckdb", KEY)
        if clean.wait() != 0:
            print(clean.output())
            return 1
        spans = clean.phase_spans()
        clean_file = root / "clean" / "warehouse.duckdb"
        expected, expected_serving = snapshot(clean_file), snapshot(serving_path(clean_file))
        print(f"clean run {clean.ended:.1f} s; phases (s): "
              + ", ".join(f"{phase} {seconds:.1f}" for phase, seconds in spans.items())
              + f"; seed {args.seed}")
        finishing, cycles, failed, killed = [], [], 0, 0
        for number, kill in enumerate(kill_plan(args.seed, args.cycles, spans)):
            warehouse = root / f"cycle{number}" / "warehouse.duckdb"
            started = time.monotonic()
            (hit,), final = kill_then_finish(root / "landing", warehouse, KEY, [kill])
            cycles.append(time.monotonic() - started)
            finishing.append(final.ended)
            killed += hit
            problems = (["next run failed"] if final.process.returncode else differences(snapshot(warehouse), expected)
                        + differences(snapshot(serving_path(warehouse)), expected_serving))
            failed += bool(problems)
            print(f"{number:3d}  kill {kill[0]:<8} +{kill[1]:5.2f} s  {'killed' if hit else 'ended first'}  "
                  f"finishing run {final.ended:5.1f} s  cycle {cycles[-1]:5.1f} s  "
                  f"{'EQUAL' if not problems else 'DIFFERENT: ' + '; '.join(problems)[:300]}")
        print(f"\n{killed} kill points hit a running process out of {args.cycles}; {failed} cycles differ "
              f"from the clean warehouse")
        print(f"clean run {clean.ended:.1f} s; finishing run after a kill: median "
              f"{statistics.median(finishing):.1f} s; whole kill-and-rerun cycle: median "
              f"{statistics.median(cycles):.1f} s, max {max(cycles):.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
