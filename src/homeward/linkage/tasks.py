"""The linkage task the worker runs: one run after police reports or a council's return arrive."""

from homeward.tasks.queue import task


# Not atomic: a run writes in its own transactions (holding one for the whole run would keep every
# other writer waiting on SQLite), and a run repeated after a crash gives the same result.
@task(atomic=False)
def linkage_run_task(*, why: str, incremental: bool = False) -> None:
    from homeward.episodes.models import Episode
    from homeward.linkage.services import INCREMENTAL_AT_MOST, linkage_run, linkage_schedule, linkage_update
    from homeward.returns.models import PoliceReport

    run = linkage_update(why=why) if incremental else linkage_run(why=why)
    # Records that arrived while this run was reading wait for the next one: ask for it now (under
    # this run's own key, since this task still holds the shared one), by the same rule as
    # linkage.receivers: a few reports alone are linked by themselves, anything else by a full run.
    arrived = PoliceReport.objects.filter(updated_at__gt=run.started_at).count()
    episodes = Episode.objects.filter(created_at__gt=run.started_at).exists()
    if arrived or episodes:
        linkage_schedule(
            why=f"records arrived during linkage run {run.pk}",
            dedupe_key=f"linkage:after:{run.pk}",
            incremental=not episodes and arrived <= INCREMENTAL_AT_MOST,
        )
