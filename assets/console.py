"""What `parwatch run` shows while it works: one line per stage, per notable file and per built
model, instead of Dagster's and dbt's full logs (those go to the run's log file)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TextIO

import dagster as dg
from dagster._core.log_manager import LOG_RECORD_METADATA_ATTR

DBT_LAYERS = ("staging", "intermediate", "marts")


def progress_line(record: logging.LogRecord) -> str | None:
    """The console line for a Dagster log record, or None for what only the log file needs."""
    meta = getattr(record, LOG_RECORD_METADATA_ATTR, None) or {}
    event, step = meta.get("dagster_event"), meta.get("step_key") or "run"
    text = None
    if event is None:
        if record.levelno >= logging.INFO:
            text = meta.get("orig_message", record.getMessage())
    elif event.event_type_value == "STEP_START":
        text = "started"
    elif event.event_type_value == "STEP_SUCCESS":
        text = "finished"
    elif event.event_type_value == "STEP_FAILURE":
        error = event.step_failure_data.error
        text = f"FAILED: {error.message.strip().splitlines()[0] if error else 'see the log file'}"
    elif event.event_type_value == "ASSET_CHECK_EVALUATION" and not event.event_specific_data.passed:
        check = event.event_specific_data
        text = f"check failed: {check.asset_key.to_user_string()} {check.check_name}"
    elif event.event_type_value == "ASSET_MATERIALIZATION" and event.asset_key.path[0] in DBT_LAYERS:
        text = f"built {'.'.join(event.asset_key.path)}"
    return text and f"{time.strftime('%H:%M:%S')}  {step:<22} {text}"


def progress_logger(write: Callable[[str], None], full_log: TextIO) -> dg.LoggerDefinition:
    """A Dagster console logger that hands progress lines to `write` and every record to `full_log`."""

    class Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            line = progress_line(record)
            if line:
                write(line)

    @dg.logger(description="ParWatch progress lines")
    def console(_init_context) -> logging.Logger:
        logger = logging.Logger("parwatch.progress", level=logging.DEBUG)
        logger.addHandler(Handler())
        everything = logging.StreamHandler(full_log)
        everything.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(everything)
        return logger

    return console
