"""The labelled synthetic corpus and the measurement on it (`homeward bench language`)."""

import io

from django.core.management import call_command

from homeward.benchmarks.language import PRECISION_TARGET, RECALL_TARGET, measure
from homeward.language.guide import FAMILIES
from homeward.synth.language_corpus import FALSE_ALARMS, language_corpus


def test_the_corpus_is_the_same_for_a_seed_and_differs_between_seeds():
    assert language_corpus(seed=3, notes=50) == language_corpus(seed=3, notes=50)
    assert language_corpus(seed=3, notes=50) != language_corpus(seed=4, notes=50)


def test_labels_point_at_the_words_and_every_family_and_false_alarm_occurs():
    corpus = language_corpus(seed=1, notes=600)
    for note in corpus:
        for label in note.labels:
            words = note.text[label.start : label.end]
            assert words.strip() == words and words, (label, note.text)
    assert {label.family for note in corpus for label in note.labels} == {f.id for f in FAMILIES}
    assert {s.false_alarm for note in corpus for s in note.sentences if s.false_alarm} == set(FALSE_ALARMS)
    assert {note.kind for note in corpus} == {"case_note", "police_narrative"}


def test_the_matcher_meets_the_targets_on_the_corpus():
    result = measure(language_corpus(seed=7, notes=1500))
    assert result.precision() >= PRECISION_TARGET, result.wrong
    assert result.recall() >= RECALL_TARGET, result.misses


def test_a_missed_phrase_and_a_false_alarm_are_counted():
    from homeward.synth.language_corpus import Label, Note, Sentence

    text = "She decided to go. He signed the consent form. Her boyfriend is 30."
    note = Note(
        kind="case_note",
        text=text,
        labels=(Label("choice", 4, 17), Label("consent", 33, 40)),
        sentences=(Sentence(0, 18, ""), Sentence(19, 46, "consent_process"), Sentence(47, len(text), "")),
    )
    result = measure([note])
    # Neither label is found; the boyfriend is flagged with no label for it.
    assert (result.recall(), result.precision()) == (0.0, 0.0)
    assert result.alarm_flagged["consent_process"] == 0 and result.findings["boyfriend"] == 1


def test_the_bench_prints_the_per_family_table():
    out = io.StringIO()
    call_command("bench", "language", "--notes", "300", "--seed", "2", stdout=out)
    printed = out.getvalue()
    for family in FAMILIES:
        assert f"\n{family.id} " in printed
    assert "precision" in printed and "recall" in printed and "false-alarm case" in printed
    assert "Target precision >= 0.95 and recall >= 0.9:" in printed
