import time

from django.core.management.base import BaseCommand, CommandError

from homeward.places import adjoining, reference


class Command(BaseCommand):
    help = (
        "Derive which councils adjoin from the ONS Postcode Directory and write "
        "places/data/adjoining.csv (commit it). --check only compares with the committed file."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--check", action="store_true", help="exit 1 if the committed file differs")

    def handle(self, *args, check: bool = False, **options) -> None:
        started = time.monotonic()
        pairs = adjoining.adjoining_derive(progress=options["verbosity"] > 0)
        seconds = time.monotonic() - started
        names = dict(reference.authorities())
        corrected = adjoining.with_overrides(pairs)
        alone = sorted(names[code] for code in names.keys() - {code for pair in corrected for code in pair})
        self.stdout.write(f"councils\t{len(names)}")
        self.stdout.write(f"derived pairs\t{len(pairs)}")
        self.stdout.write(f"overrides\t{len(adjoining.overrides())}")
        self.stdout.write(f"pairs after overrides\t{len(corrected)}")
        self.stdout.write(f"councils with no neighbour\t{', '.join(alone)}")
        self.stdout.write(f"seconds\t{seconds:.1f}")
        if check:
            committed = adjoining.derived_pairs()
            if committed != pairs:
                raise CommandError(
                    f"{adjoining.PAIRS_CSV.name} differs from the derivation: "
                    f"{len(pairs - committed)} pairs to add, {len(committed - pairs)} to remove"
                )
            self.stdout.write(f"{adjoining.PAIRS_CSV.name} matches the derivation")
        else:
            adjoining.adjoining_write(pairs)
            self.stdout.write(f"wrote {adjoining.PAIRS_CSV}")
