"""The national figures the world is calibrated to."""

MALE_SHARE = 0.57
# Children looked after per 10,000 children, by region (DfE, 31 March 2024): the North East's
# rate is about twice London's.
_CLA_RATE: dict[str, float] = {
    "North East": 110,
    "North West": 97,
    "Yorkshire and the Humber": 83,
    "West Midlands": 88,
    "East Midlands": 66,
    "East of England": 53,
    "London": 50,
    "South East": 56,
    "South West": 61,
}
# Children's homes per head of population, relative to England (Ofsted, children's social care
# data 2023): homes cluster where property is cheap, above all the North West and West Midlands.
_HOMES_FACTOR: dict[str, float] = {
    "North West": 1.8,
    "West Midlands": 1.6,
    "North East": 1.5,
    "East Midlands": 1.25,
    "Yorkshire and the Humber": 1.05,
    "South West": 0.8,
    "South East": 0.65,
    "East of England": 0.55,
    "London": 0.25,
}
# Age at 31 March in years [from, to): under 1, 1–4, 5–9, 10–15, 16–17.
AGE_BANDS: tuple[tuple[float, float, float], ...] = (
    (0, 1, 5),
    (1, 5, 17),
    (5, 10, 18),
    (10, 16, 39),
    (16, 18, 23),
)
# SSDA903 ETHNIC codes (DfE CLA 2024): about 73% White, 10% Mixed, 5% Asian, 7% Black, 4% other.
ETHNICITY: dict[str, float] = {
    "WBRI": 64.9,
    "WIRI": 0.4,
    "WIRT": 0.3,
    "WROM": 0.8,
    "WOTH": 6.6,
    "MWBC": 3.2,
    "MWBA": 1.2,
    "MWAS": 1.5,
    "MOTH": 4.4,
    "AIND": 0.6,
    "APKN": 1.4,
    "ABAN": 0.6,
    "AOTH": 2.2,
    "BCRB": 1.2,
    "BAFR": 4.2,
    "BOTH": 1.7,
    "CHNE": 0.1,
    "OOTH": 4.2,
    "REFU": 0.2,
    "NOBT": 0.3,
}
# Placement type by age (weights); together they give the national mix at 31 March: about 70%
# fostered (U1–U6), 13% in children's homes (K2, K1 rare), 4% in supported accommodation (K3,
# 16+ only), 6% placed with parents (P1), 3% placed for adoption (A3–A6), the rest residential.
PLACEMENT_MIX_BY_AGE: tuple[dict[str, float], ...] = (
    {"foster": 80, "P1": 8, "adoption": 4, "R3": 7, "R2": 1},
    {"foster": 78, "P1": 8, "adoption": 12, "R3": 1, "K2": 1},
    {"foster": 85, "P1": 8, "adoption": 4, "K2": 2.5, "S1": 0.5},
    {"foster": 70, "K2": 21, "P1": 5.5, "K1": 0.5, "S1": 1.5, "R5": 0.3, "R1": 0.5, "R2": 0.7},
    {"foster": 52, "K2": 19, "K3": 19, "P1": 4, "R5": 1.5, "S1": 1, "K1": 0.5, "R1": 1, "R2": 0.5},
)
# Foster placements: U1–U3 with relatives or friends, U4–U6 with other carers.
FOSTER_TYPES = {"U1": 5, "U2": 0.2, "U3": 12, "U4": 30, "U5": 1, "U6": 52}
ADOPTION_TYPES = {"A3": 10, "A4": 10, "A5": 20, "A6": 60}

# How far from home, by placement family: shares of placements in the council's own area, and
# outside it within 50 miles, 50–100 miles and over 100 miles (current placements on the snapshot
# day hold them closely: _Bands). Together they give 45% outside the council (DfE 2024; 41% in 2018),
# 7% over 50 miles and 3% over 100 (DfE 2018), with 60% of children in children's homes (K2) outside
# their council (61–64% in 2017–2018).
IN, NEAR, MID, FAR = "in", "near", "mid", "far"
_BAND_MILES = {IN: (0.0, 50.0), NEAR: (0.0, 50.0), MID: (50.0, 100.0), FAR: (100.0, 1000.0)}
DISTANCE_BANDS: dict[str, tuple[float, float, float, float]] = {
    "home": (40, 38, 13, 9),
    "secure": (15, 35, 25, 25),
    "foster": (56, 40, 2.2, 1.8),
    "supported": (55, 37, 5, 3),
    "parents": (85, 13, 1.2, 0.8),
    "adoption": (45, 49, 4, 2),
    "other": (40, 42, 10, 8),
}
# How far from home a placement in the council's own area (IN) or in another council's within 50
# miles (NEAR) is: the mean, in miles, of the distance drawn (exponential) before looking for a
# postcode that far away in a random direction. Most children placed in their own council live within
# a few miles of home, and most of those placed outside it not far across the boundary: with the
# bands above, 22% of children are placed more than 20 miles from home (DfE 2024). Placements with
# providers (children's homes, supported accommodation) go to the providers there are in the band.
LOCAL_MILES: dict[str, float] = {IN: 4.0, NEAR: 13.0}
_METRES_PER_MILE = 1609.344
_PEOPLED_SQUARE = 30  # postcodes in a square kilometre at which it is taken every time it is drawn


def _family(placement_type: str) -> str:
    if placement_type == "K2":
        return "home"
    if placement_type == "K1":
        return "secure"
    if placement_type == "K3":
        return "supported"
    if placement_type.startswith("U"):
        return "foster"
    if placement_type == "P1":
        return "parents"
    if placement_type.startswith("A"):
        return "adoption"
    return "other"
