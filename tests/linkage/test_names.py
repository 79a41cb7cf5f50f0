"""Nickname and spelling tables, and the canonical first-name key the engine blocks on."""

from homeward.linkage import engine, names


def test_canonical_key_joins_nicknames_and_spellings():
    key = names.canonical_name_map()
    assert key["liz"] == key["elizabeth"] == key["beth"] == key["lizzie"]
    assert key["alex"] == key["alexander"] == key["xander"]
    assert key["mohammed"] == key["muhammad"] == key["mohammad"] == key["mohamed"]
    assert key["kuba"] == key["jakub"]
    assert key["oliver"] != key["jack"]


def test_no_runaway_groups():
    # Bridging nicknames (Ali, Mia, Harry for Harriet...) were pruned so that common
    # names are not merged into one giant "same name" group.
    groups: dict[str, int] = {}
    for canonical in names.canonical_name_map().values():
        groups[canonical] = groups.get(canonical, 0) + 1
    assert max(groups.values()) <= 20


def test_shipped_defaults_cover_every_comparison_level():
    defaults = engine.default_parameters()
    for comparison in engine.comparisons():
        for level in comparison["comparison_levels"]:
            # A gap's m and u are the records' own (counted, and found by EM), never shipped.
            if level.get("is_null_level") or level["label_for_charts"] == engine.MISSING_LEVEL:
                continue
            key = f"{comparison['output_column_name']}/{level['label_for_charts']}"
            assert key in defaults, key
