"""A task for the stop tests' worker processes: it leaves a line in a file each time it runs (a
record outside the database, so a task run twice shows as two lines)."""

import time
from pathlib import Path

from homeward.tasks.queue import task


@task
def mark(*, path: str, n: int, seconds: float = 0.02) -> None:
    Path(f"{path}.started").touch()  # the test knows the task is in hand, not merely claimed
    time.sleep(seconds)  # by default long enough that a burst of signals finds tasks in hand
    with open(path, "a") as marks:
        marks.write(f"{n}\n")
