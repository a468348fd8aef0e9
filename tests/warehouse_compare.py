"""Warehouses built by real `parwatch run` processes, and their comparison.

`RunProcess` starts `parwatch run` in a child process (its own session, so a kill takes its dbt
child with it, as a machine or container dying would) and times its progress lines, so a test can
kill it at a chosen moment of a chosen phase. `snapshot` is the content of a warehouse, minus what
differs from run to run, so two warehouses compare equal.

Compared (in the writer's file or in the serving file readers open): every table of raw and marts,
audit.file_manifest and audit.quarantine, sorted, without
run ids and load/check times; and the list of every relation in the file, so a relation a killed
run left behind (a `__dbt_tmp`, a `__dbt_backup`) counts as a difference. Doubles are rounded:
DuckDB's parallel sums may differ in the last bit from one run to the next.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
# Where each phase of a run starts, as seen in its progress lines (old and new console formats).
PHASE_ANCHORS = {
    "loading": r"\bLanding .* files",  # the writer lock is held and the run planned: ingestion starts
    "checks": r"_gx_(buuchinh|hoso|thanhtoan|tientrinh)\b.*(STEP_START|started)",
    "dbt": r"parwatch_dbt_assets\b.*(STEP_START|started)",
    "publish": r"parwatch_dbt_assets\b.*(STEP_SUCCESS|finished)",  # audit.runs, the serving file
}


class RunProcess:
    """`parwatch run --landing L --warehouse W` in a child process, its output lines timed."""

    def __init__(self, landing: Path, warehouse: Path, pii_key: str) -> None:
        env = dict(os.environ, PARWATCH_PII_KEY=pii_key)
        env.pop("DAGSTER_HOME", None)  # an ephemeral Dagster instance: a kill must not touch a shared one
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pipelines.cli", "run", "--landing", str(landing),
             "--warehouse", str(warehouse)],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )
        self.lines: list[tuple[float, str]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        """Timed lines of the console and of the run's full log file (named on the console)."""
        for line in self.process.stdout:
            self.lines.append((time.monotonic() - self.started, line.rstrip()))
            named = re.search(r"^Full log .*: (\S+\.log)$", line.rstrip())
            if named:
                threading.Thread(target=self._tail, args=(Path(named[1]),), daemon=True).start()

    def _tail(self, log_file: Path) -> None:
        while not log_file.exists():  # named on the console just before it is created
            if self.process.poll() is not None:
                return
            time.sleep(0.01)
        with open(log_file, errors="replace") as lines:
            while True:
                line = lines.readline()
                if line.endswith("\n"):
                    self.lines.append((time.monotonic() - self.started, line.rstrip()))
                elif self.process.poll() is not None:
                    return
                else:
                    time.sleep(0.01)

    def wait(self, timeout: float = 900) -> int:
        code = self.process.wait(timeout)
        self._reader.join()
        self.ended = time.monotonic() - self.started
        return code

    def output(self) -> str:
        return "\n".join(line for _, line in self.lines if "nanobind" not in line)

    def seen(self, pattern: str) -> float | None:
        """Seconds from the start to the first line matching `pattern`, None if not (yet) seen."""
        return next((at for at, line in list(self.lines) if re.search(pattern, line)), None)

    def kill_after(self, pattern: str, delay: float) -> bool:
        """SIGKILL the run and its children `delay` s after a line matches `pattern`.
        False when the run ended before that moment."""
        while (anchor := self.seen(pattern)) is None:
            if self.process.poll() is not None:
                return False
            time.sleep(0.02)
        time.sleep(max(0.0, self.started + anchor + delay - time.monotonic()))
        if self.process.poll() is not None:
            return False
        os.killpg(self.process.pid, signal.SIGKILL)
        self.wait()
        return True

    def phase_spans(self) -> dict[str, float]:
        """How long each phase lasted in this (finished) run."""
        starts = {phase: self.seen(pattern) for phase, pattern in PHASE_ANCHORS.items()}
        missing = [phase for phase, at in starts.items() if at is None]
        assert not missing, f"no progress line marks the start of {missing}:\n{self.output()}"
        ends = list(starts.values())[1:] + [self.ended]
        return {phase: end - start for (phase, start), end in zip(starts.items(), ends)}


def kill_plan(seed: int, count: int, spans: dict[str, float]) -> list[tuple[str, float]]:
    """`count` kill points (phase, seconds after the phase starts), taking the phases in turn and a
    random moment within each, as long as the phase lasted in a clean run."""
    rng = random.Random(seed)
    phases = list(spans)
    first = rng.randrange(len(phases))
    chosen = [phases[(first + number) % len(phases)] for number in range(count)]
    return [(phase, round(rng.uniform(0, spans[phase]), 2)) for phase in chosen]


def in_cycles(plan: list[tuple[str, float]]) -> list[list[tuple[str, float]]]:
    """The kill points grouped into kill-and-rerun cycles of two kills in a row, then one, in turn."""
    cycles, rest = [], list(plan)
    while rest:
        size = 2 if len(cycles) % 2 == 0 else 1
        cycles.append(rest[:size])
        rest = rest[size:]
    return cycles


def kill_then_finish(landing: Path, warehouse: Path, pii_key: str,
                     kills: list[tuple[str, float]]) -> tuple[list[bool], RunProcess]:
    """Start a run and kill it at each kill point in turn, then run once more to the end.
    Returns whether each kill hit a running process, and the finishing run (finished)."""
    killed = [RunProcess(landing, warehouse, pii_key).kill_after(PHASE_ANCHORS[phase], delay)
              for phase, delay in kills]
    final = RunProcess(landing, warehouse, pii_key)
    final.wait()
    return killed, final


RUN_SPECIFIC = {"run_id", "_run_id", "loaded_at", "_loaded_at", "checked_at", "started_at", "finished_at"}
AUDIT_TABLES = {"file_manifest", "quarantine"}
RELATIONS = "__relations__"


def _rounded(row: tuple) -> tuple:
    return tuple(float(f"{value:.9g}") if isinstance(value, float) else value for value in row)


def snapshot(warehouse: Path | str) -> dict[str, list[tuple]]:
    """{"schema.table": sorted rows} for raw, marts and the audit manifest and quarantine."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        relations = con.execute(
            "select table_schema, table_name, table_type from information_schema.tables order by all"
        ).fetchall()
        content: dict[str, list[tuple]] = {RELATIONS: relations}
        for schema, table, kind in relations:
            if kind != "BASE TABLE" or not (schema in ("raw", "marts")
                                            or schema == "audit" and table in AUDIT_TABLES):
                continue
            columns = [name for (name,) in con.execute(
                "select column_name from information_schema.columns where table_schema = ? "
                "and table_name = ? order by ordinal_position", [schema, table]).fetchall()
                       if name not in RUN_SPECIFIC]
            selected = ", ".join(f'"{name}"' for name in columns)
            rows = con.execute(f'select {selected} from "{schema}"."{table}" order by all').fetchall()
            content[f"{schema}.{table}"] = [_rounded(row) for row in rows]
    return content


def differences(actual: dict[str, list[tuple]], expected: dict[str, list[tuple]], limit: int = 3) -> list[str]:
    """Readable differences between two snapshots (empty when equal)."""
    found = []
    for name in sorted(set(actual) | set(expected)):
        have, want = actual.get(name), expected.get(name)
        if have == want:
            continue
        if have is None or want is None:
            found.append(f"{name}: {'missing' if have is None else 'unexpected'}")
            continue
        have_rows, want_rows = set(map(repr, have)), set(map(repr, want))  # rows may hold lists
        extra = sorted(have_rows - want_rows)[:limit]
        missing = sorted(want_rows - have_rows)[:limit]
        found.append(f"{name}: {len(have)} rows vs {len(want)} expected; extra {extra}; missing {missing}")
    return found
