"""`homeward bench language`: the language guide's matching measured on the labelled synthetic
corpus (issue 16; synth.language_corpus). Targets: precision at least 0.95, recall at least 0.9.

A labelled phrase counts as found when a finding of the same family overlaps it; a finding counts
as right when it overlaps a labelled phrase of its family. Each false-alarm case is reported as the
share of its sentences on which anything was flagged (the target is none). Printed, not asserted.
"""

import sys
import time
from collections import Counter
from dataclasses import dataclass, field

from homeward.benchmarks.common import preamble, say_to
from homeward.language.guide import FAMILIES, find
from homeward.synth.language_corpus import Note, language_corpus

PRECISION_TARGET, RECALL_TARGET = 0.95, 0.9


@dataclass
class Measure:
    labels: Counter = field(default_factory=Counter)  # family -> labelled phrases
    found: Counter = field(default_factory=Counter)  # family -> labelled phrases found
    findings: Counter = field(default_factory=Counter)  # family -> findings
    right: Counter = field(default_factory=Counter)  # family -> findings overlapping a label of the family
    alarm_sentences: Counter = field(default_factory=Counter)  # false-alarm case -> sentences
    alarm_flagged: Counter = field(default_factory=Counter)  # false-alarm case -> sentences with a finding
    misses: list[str] = field(default_factory=list)  # a few examples, for whoever tunes the guide
    wrong: list[str] = field(default_factory=list)

    @staticmethod
    def _ratio(part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    def precision(self, family: str | None = None) -> float:
        if family is None:
            return self._ratio(sum(self.right.values()), sum(self.findings.values()))
        return self._ratio(self.right[family], self.findings[family])

    def recall(self, family: str | None = None) -> float:
        if family is None:
            return self._ratio(sum(self.found.values()), sum(self.labels.values()))
        return self._ratio(self.found[family], self.labels[family])


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def measure(corpus: list[Note], families=FAMILIES) -> Measure:
    result = Measure()
    for note in corpus:
        findings = find(note.text, families)
        for label in note.labels:
            result.labels[label.family] += 1
            if any(f.family.id == label.family and _overlap(f.start, f.end, label.start, label.end) for f in findings):
                result.found[label.family] += 1
            elif len(result.misses) < 10:
                result.misses.append(f"{label.family}: {note.text[label.start : label.end]!r} in {note.text!r}")
        for finding in findings:
            result.findings[finding.family.id] += 1
            if any(
                label.family == finding.family.id and _overlap(finding.start, finding.end, label.start, label.end)
                for label in note.labels
            ):
                result.right[finding.family.id] += 1
            elif len(result.wrong) < 10:
                result.wrong.append(f"{finding.family.id}: {finding.phrase!r} in {note.text!r}")
        for sentence in note.sentences:
            if sentence.false_alarm:
                result.alarm_sentences[sentence.false_alarm] += 1
                if any(_overlap(f.start, f.end, sentence.start, sentence.end) for f in findings):
                    result.alarm_flagged[sentence.false_alarm] += 1
    return result


def run_language_bench(*, seed: int, notes: int, stdout=None) -> Measure:
    out = stdout or sys.stdout
    preamble(say_to(out), uses_database=False)
    corpus = language_corpus(seed=seed, notes=notes)
    started = time.perf_counter()
    result = measure(corpus)
    elapsed = time.perf_counter() - started
    kinds = Counter(note.kind for note in corpus)
    out.write(
        f"Language guide on the synthetic corpus (seed {seed}): {len(corpus)} notes "
        f"({kinds['case_note']} case notes, {kinds['police_narrative']} police narratives), "
        f"{sum(result.labels.values())} labelled phrases, {sum(result.alarm_sentences.values())} false-alarm sentences; "
        f"matched in {elapsed * 1000 / max(len(corpus), 1):.2f} ms a note\n\n"
    )
    out.write(
        f"{'family':<16} {'labelled':>8} {'found':>6} {'flagged':>8} {'right':>6} {'precision':>9} {'recall':>7}\n"
    )
    for family in FAMILIES:
        out.write(
            f"{family.id:<16} {result.labels[family.id]:>8} {result.found[family.id]:>6} {result.findings[family.id]:>8} "
            f"{result.right[family.id]:>6} {result.precision(family.id):>9.3f} {result.recall(family.id):>7.3f}\n"
        )
    out.write(
        f"{'all':<16} {sum(result.labels.values()):>8} {sum(result.found.values()):>6} {sum(result.findings.values()):>8} "
        f"{sum(result.right.values()):>6} {result.precision():>9.3f} {result.recall():>7.3f}\n\n"
    )
    out.write(f"{'false-alarm case':<20} {'sentences':>9} {'flagged':>8}\n")
    for alarm in sorted(result.alarm_sentences):
        out.write(f"{alarm:<20} {result.alarm_sentences[alarm]:>9} {result.alarm_flagged[alarm]:>8}\n")
    met = result.precision() >= PRECISION_TARGET and result.recall() >= RECALL_TARGET
    out.write(
        f"\nTarget precision >= {PRECISION_TARGET} and recall >= {RECALL_TARGET}: {'met' if met else 'NOT met'} "
        f"(precision {result.precision():.3f}, recall {result.recall():.3f})\n"
    )
    for title, examples in (("Missed", result.misses), ("Flagged wrongly", result.wrong)):
        if examples:
            out.write(f"\n{title} (first {len(examples)}):\n" + "".join(f"  {example}\n" for example in examples))
    return result
