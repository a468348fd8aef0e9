"""The nightly schedule: at 01:00 local time, one run; its plan finds whatever landed since."""

import dagster as dg

from assets.automation.jobs import nightly_job
from pipelines.landing import LOCAL


@dg.schedule(cron_schedule="0 1 * * *", execution_timezone="Asia/Ho_Chi_Minh", job=nightly_job,
             default_status=dg.DefaultScheduleStatus.STOPPED)
def nightly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    today = context.scheduled_execution_time.astimezone(LOCAL).date()
    return dg.RunRequest(run_key=f"nightly-{today}")
