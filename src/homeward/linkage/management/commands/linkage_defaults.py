"""`homeward linkage-defaults`: train the person-linkage model on synthetic records and write its m and
u values as the shipped defaults (linkage/data/default_parameters.json). Training starts from them, and
inputs too small to train on use them as they are, so they are written again whenever a comparison
level is added or changed. Synthetic records only (linkage.persons): no real person is ever in them."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from homeward.linkage import engine
from homeward.linkage.persons import generate_person_pairs


class Command(BaseCommand):
    help = "Train the linkage model on synthetic person records and write its parameters as the defaults."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--records", type=int, default=100_000, help="synthetic records to train on")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--out",
            type=Path,
            default=engine.DEFAULT_PARAMETERS_PATH,
            help="where to write (default: the shipped file)",
        )

    def handle(self, *args, records: int, seed: int, out: Path, **options) -> None:
        if records < engine.MIN_RECORDS_TO_TRAIN:
            raise CommandError(f"--records: at least {engine.MIN_RECORDS_TO_TRAIN} are needed to train on.")
        began = time.monotonic()
        self.stderr.write(f"Generating {records:,} synthetic person records (seed {seed})...")
        table, _ = generate_person_pairs(n_records=records, seed=seed)
        self.stderr.write(f"Training on them ({time.monotonic() - began:.0f} s so far)...")
        model = engine.train(records=table, seed=seed)
        levels = engine.write_default_parameters(model=model, path=out)
        self.stdout.write(f"{levels} comparison levels written to {out} in {time.monotonic() - began:.0f} s")
