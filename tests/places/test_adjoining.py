"""Adjoining councils and a placement's area relation, as the Care Planning Regulations 2010 mean them."""

import csv

import pytest

from homeward.places import adjoining, reference
from homeward.places.adjoining import AreaRelation, adjoining_councils, area_relation

CODES = {name: code for code, name in reference.authorities()}


def code(name: str) -> str:
    return CODES[name]


@pytest.mark.parametrize(
    ("responsible", "host", "relation"),
    [
        ("Manchester", "Salford", AreaRelation.ADJOINING),
        ("Manchester", "Trafford", AreaRelation.ADJOINING),
        ("Birmingham", "Sandwell", AreaRelation.ADJOINING),
        ("Leeds", "Bradford", AreaRelation.ADJOINING),
        ("Camden", "Islington", AreaRelation.ADJOINING),
        # Across the Thames: boroughs' areas meet mid-river.
        ("Greenwich", "Tower Hamlets", AreaRelation.ADJOINING),
        # Moorland borders with no postcode near the line.
        ("County Durham", "Westmorland and Furness", AreaRelation.ADJOINING),
        ("Barnsley", "Derbyshire", AreaRelation.ADJOINING),
        ("Manchester", "Leeds", AreaRelation.DISTANT),
        ("Birmingham", "Cornwall", AreaRelation.DISTANT),
        ("Camden", "Bromley", AreaRelation.DISTANT),
        # One borough apart: Islington lies between them, in places little more than a kilometre wide.
        ("Camden", "Hackney", AreaRelation.DISTANT),
        ("Salford", "Rochdale", AreaRelation.DISTANT),
        # The Humber: their areas meet mid-estuary, where the Humber Bridge crosses (overrides table).
        ("Kingston upon Hull, City of", "North Lincolnshire", AreaRelation.ADJOINING),
        # The Solent is open sea, in no council's area.
        ("Isle of Wight", "Hampshire", AreaRelation.DISTANT),
        ("Manchester", "Manchester", AreaRelation.IN_AREA),
    ],
)
def test_real_pairs_are_placed_as_the_map_has_them(responsible: str, host: str, relation: AreaRelation) -> None:
    assert area_relation(code(responsible), code(host)) is relation
    assert area_relation(code(host), code(responsible)) is relation  # a border is shared both ways
    assert adjoining.adjoining(code(responsible), code(host)) == (relation is AreaRelation.ADJOINING)


def test_out_of_area_is_every_relation_but_in_area() -> None:
    assert [relation.out_of_area for relation in AreaRelation] == [False, True, True]
    assert AreaRelation.DISTANT.label == "Distant: out of area and not adjoining"


def test_a_council_does_not_adjoin_itself() -> None:
    assert not adjoining.adjoining(code("Leeds"), code("Leeds"))
    assert code("Leeds") not in adjoining_councils(code("Leeds"))


def test_islands_adjoin_nobody() -> None:
    assert adjoining_councils(code("Isles of Scilly")) == frozenset()
    assert adjoining_councils(code("Isle of Wight")) == frozenset()


def test_the_shortest_county_border_counts() -> None:
    assert adjoining.adjoining(code("North Northamptonshire"), code("Lincolnshire"))


def test_an_unknown_code_is_refused_not_called_distant() -> None:
    with pytest.raises(KeyError):
        area_relation("E08000003", "S12000036")  # Edinburgh: not a council Homeward places in
    with pytest.raises(KeyError):
        area_relation("X", "X")


def test_every_council_but_the_islands_has_a_neighbour() -> None:
    alone = {name for name, c in CODES.items() if not adjoining_councils(c)}
    assert alone == {"Isles of Scilly", "Isle of Wight"}


def test_the_data_files_are_well_formed() -> None:
    pairs = adjoining.derived_pairs()
    assert all(a < b and a in CODES.values() and b in CODES.values() for a, b in pairs)
    with adjoining.PAIRS_CSV.open(newline="") as file:
        rows = [(row["a"], row["b"]) for row in csv.DictReader(file)]
    assert rows == sorted(set(rows))
    assert all(a in CODES.values() and b in CODES.values() for a, b in adjoining.overrides())


# Greater Manchester's ten boroughs: every one of their postcodes is in these postcode areas
# (checked against the whole directory when this was written).
GREATER_MANCHESTER = {f"E080000{n:02d}" for n in range(1, 11)}
GREATER_MANCHESTER_AREAS = {"M", "OL", "BL", "SK", "WN", "WA"}


def test_the_committed_pairs_come_from_the_derivation() -> None:
    # A regional run (a few seconds) stands for the whole one that wrote the file (`homeward
    # places-adjoining --check` repeats that in full).
    derived = adjoining.adjoining_derive(progress=False, areas=GREATER_MANCHESTER_AREAS)
    committed = adjoining.derived_pairs()
    inside = {pair for pair in committed if set(pair) <= GREATER_MANCHESTER}
    assert {pair for pair in derived if set(pair) <= GREATER_MANCHESTER} == inside
    assert len(inside) == 17
    assert derived <= committed
