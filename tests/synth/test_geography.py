"""The synthetic world's geography, kept in the user's cache between processes."""

import random
import stat

from homeward.places.postcodes import directory
from homeward.synth import geography as module
from homeward.synth.geography import geography


def test_what_is_kept_is_read_back_and_older_files_are_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("HOMEWARD_CACHE_DIR", str(tmp_path / "cache"))
    path = module._cache_file()
    assert module._load(path) is None  # nothing kept yet: built
    stale = tmp_path / "cache" / "geography-0000000000000000.pickle"
    stale.parent.mkdir()
    stale.write_bytes(b"from an older version")
    module._keep(path, {"codes": "A1 1AA\nB1 1AA"})
    assert module._load(path) == {"codes": "A1 1AA\nB1 1AA"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # the stale file and no .part left


def test_half_a_file_is_built_again_not_read(tmp_path, monkeypatch):
    monkeypatch.setenv("HOMEWARD_CACHE_DIR", str(tmp_path))
    path = module._cache_file()
    module._keep(path, {"codes": "A1 1AA" * 1000})
    path.write_bytes(path.read_bytes()[:100])  # a disk that filled up
    assert module._load(path) is None


def test_the_name_changes_with_the_code_that_builds_it(tmp_path, monkeypatch):
    monkeypatch.setenv("HOMEWARD_CACHE_DIR", str(tmp_path))
    before = module._cache_file()
    monkeypatch.setattr(module, "__file__", str(tmp_path / "edited.py"))
    (tmp_path / "edited.py").write_text("# the geography's code, changed")
    assert module._cache_file() != before


def test_every_council_s_postcodes_are_the_directory_s_own():
    geo = geography()
    rng = random.Random(7)
    for authority in rng.sample(sorted(geo.authorities), 20):
        held = geo.postcodes[authority]
        for at in rng.sample(range(len(held)), 25):
            postcode = held[at]
            assert directory.get(postcode.postcode) == postcode
            assert geo.host_authority(postcode) == authority
            assert postcode in geo.postcodes_at(postcode.easting, postcode.northing)
