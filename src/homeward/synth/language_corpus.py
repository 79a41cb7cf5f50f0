"""A labelled corpus of synthetic case notes and police-report narratives (issue 16), so that the
language guide's matching is measured, not assumed (`homeward bench language`).

Each note is a few sentences drawn from templates: plain facts, sentences that blame the child in
one of the guide's families (each such phrase labelled with its family and where it lies), and the
false alarms the guide must leave alone (a consent form, a boyfriend of the child's own age, the
child's own words in quotation marks, a choice that protects, a statement of the opposite, and the
same words about what adults do). The templates were written from how records are written, in many
inflections and word orders, not from the matcher's patterns. Deterministic for a seed; the names
are drawn from synth.names and belong to nobody.
"""

import random
import re
from dataclasses import dataclass

from homeward.synth.names import ENGLISH

# [[family|words]] marks a labelled phrase; {slot} is filled in per note.
_MARK = re.compile(r"\[\[(\w+)\|(.+?)\]\]")


@dataclass(frozen=True)
class Label:
    family: str
    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    false_alarm: str  # the false-alarm case, or "" for a plain or labelled sentence


@dataclass(frozen=True)
class Note:
    kind: str  # "case_note" or "police_narrative"
    text: str
    labels: tuple[Label, ...]
    sentences: tuple[Sentence, ...]


PLAIN = (
    "{Name} left {home} at {time}.",
    "{Name}'s phone has been off since {time}.",
    "Staff rang {her} mobile several times with no answer.",
    "{Name} was wearing a black puffer jacket and white trainers.",
    "Police were informed and gave a reference.",
    "{Name} was found at {place} by police and brought back.",
    "A return interview was offered the next day.",
    "{Name} was seen near {place} with two adults not known to staff.",
    "Checked {place}; {she} was not there.",
    "{Name} returned by taxi at {time}; the fare was paid by someone else.",
    "{Name} has new clothes and a phone that staff did not buy.",
    "{Name} said {she} was tired and went to bed.",
    "The social worker visited and spoke with {Name} alone.",
    "Staff will check {her} social media accounts with {her} agreement.",
    "{Name} was quiet at tea and would not say where {she} had been.",
)

POSITIVE = {
    "self_risk": (
        "{Name} is [[self_risk|{putting} {herself} at risk]] by going to {place}.",
        "Staff feel {Name} [[self_risk|{putting} {herself} in danger]] when {she} leaves at night.",
        "{Name} continues to [[self_risk|put {herself} at significant risk]].",
        "{Name} is [[self_risk|placing {herself} in risky situations]] with older males.",
        "[[self_risk|{She} puts {herself} at risk]] by getting into cars.",
        "{Name} keeps [[self_risk|exposing {herself} to harm]].",
        "Concern that {Name} is [[self_risk|putting {herself} in harm's way]].",
        "{Name} [[self_risk|placed {herself} in dangerous situations]] again this week.",
        "{Name} is [[self_risk|placing {herself} in vulnerable situations]].",
        "{Name} is [[self_risk|making {herself} vulnerable]] by meeting adults online.",
        "{Name} is at risk [[self_risk|because of {her} own behaviour]].",
    ),
    "sexually_active": (
        "{Name} is [[sexually_active|sexually active]] with older males.",
        "Believed to be [[sexually_active|sexually active]]; a sexual health appointment has been offered.",
        "{Name} disclosed being [[sexually_active|sexually active]] with adults {she} met online.",
    ),
    "boyfriend": (
        "{Name} was collected by {her} [[boyfriend|{partner}]], who is {adult_age}.",
        "{Name} says {she} stays with {her} [[boyfriend|{partner}]] at {place}.",
        "{Name} has an older [[boyfriend|{partner}]] who drives a black car.",
        "{Her} [[boyfriend|{partner}]] ({adult_age}) was seen outside the home.",
        "{Name} is believed to be with {her} [[boyfriend|{partner}]], a man in his twenties.",
        "{Name} met {her} [[boyfriend|{partner}]] online; he is {adult_age} years old.",
        "{Name} is with {her} 'so-called' [[boyfriend|{partner}]] again.",
        "{Name}'s [[boyfriend|{partner}]]'s mother rang the home.",
    ),
    "prostitution": (
        "Intelligence suggests {Name} is [[prostitution|prostituting {herself}]] at {place}.",
        "{Name} is thought to be [[prostitution|selling sex]] for money.",
        "{Name} may be [[prostitution|exchanging sex]] for {goods}.",
        "Referred as a case of [[prostitution|child prostitution]].",
        "{Name} is [[prostitution|trading sex]] for a place to stay.",
        "Police describe {Name} as [[prostitution|involved in prostitution]].",
    ),
    "streetwise": (
        "{Name} is very [[streetwise|streetwise]] and knows the area.",
        "{Name} is [[streetwise|street-wise]] and confident.",
        "{Name} is [[streetwise|street smart]] and not easily led.",
        "Staff say {Name} [[streetwise|can look after {herself}]].",
        "{Name} [[streetwise|is able to look after {herself}]] when out.",
        "{Name} [[streetwise|knows how to look after {herself}]].",
        "{Name} is [[streetwise|savvy]] and knows the risks.",
    ),
    "choice": (
        "{Name} [[choice|chose to]] go with the men to {place}.",
        "{Name} [[choice|{chooses} to]] stay out overnight.",
        "{Name} [[choice|made the choice to]] leave with them.",
        "It was [[choice|{her} own choice]] to go to the party.",
        "{Name} went [[choice|willingly]] with the adults.",
        "{Name} went [[choice|of {her} own free will]].",
        "{Name} appears to be a [[choice|willing participant]].",
        "{Name} is [[choice|voting with {her} feet]].",
        "{Name} [[choice|decided to go]] with the adults again.",
    ),
    "consent": (
        "{Name} [[consent|consented to sex]] with the man.",
        "{Name} says the relationship is [[consent|consensual]].",
        "{Name} [[consent|agreed to have sex]] with him.",
        "Police recorded that the [[consent|sexual activity was consensual]].",
        "{Name} [[consent|gave consent to sexual activity]] with the older male.",
        "{Name} told police it was [[consent|consensual]].",
    ),
    "lifestyle": (
        "This appears to be a [[lifestyle|lifestyle choice]] for {Name}.",
        "{Name} has a [[lifestyle|chaotic lifestyle]].",
        "{Name} is engaging in [[lifestyle|risk-taking behaviour]].",
        "Staff note [[lifestyle|risky behaviours]] at weekends.",
        "[[lifestyle|Sexualised behaviour]] was noted at school.",
        "{Name} has adopted a [[lifestyle|street lifestyle]].",
        "Going missing is [[lifestyle|part of {her} lifestyle]] now.",
    ),
    "absconded": (
        "{Name} [[absconded|absconded]] from {home} at {time}.",
        "{Name} has been [[absconded|absconding]] most weekends.",
        "{Name} is a frequent [[absconded|absconder]].",
        "{Name} [[absconded|absconds]] whenever {she} is challenged.",
        "{Name} went [[absconded|AWOL]] from school at lunchtime.",
    ),
    "troublesome": (
        "{Name} is a [[troublesome|troublesome]] young person.",
        "{Name} is described as [[troublesome|promiscuous]].",
        "Staff believe {Name} is [[troublesome|sleeping around]].",
        "{Her} [[troublesome|attention-seeking]] behaviour continues.",
        "{Name} can be [[troublesome|manipulative]] with staff.",
        "{Name} is [[troublesome|defiant]] and will not listen.",
    ),
}

FALSE_ALARMS = {
    "quoted": (
        '{Name} said "I chose to go, nobody made me".',
        "{Name} told the worker: “he's my boyfriend and he looks after me”.",
        "In {her} words, ‘I can look after myself’.",
        "{Name} said 'I know I put myself at risk, I don't care'.",
        '{Name} said "it was my choice".',
    ),
    "consent_process": (
        "{Name} signed the consent form for the sexual health clinic.",
        "Consent to share information with the police was given.",
        "{Name} gave consent for a medical examination.",
        "{Name} is 13 and cannot consent to sexual activity.",
        "The sexual contact was not consensual.",
        "{Name} described non-consensual sexual contact.",
    ),
    "peer_partner": (
        "{Name}'s {partner}, who is {peer_age}, goes to the same school.",
        "{Name} spent the evening with {her} {partner} ({peer_age}) at his mother's house.",
        "{Her} {partner} is the same age and in {her} year group.",
        "{Name} was with {her} {partner} from school until {time}.",
    ),
    "protective_choice": (
        "{Name} chose to come back to {home} by {time}.",
        "{Name} chose to tell staff where {she} had been.",
        "{Name} chose to speak to the return interview worker.",
        "{Name} chose to go to school today.",
        "{Name} went willingly to the doctor's with staff.",
    ),
    "negation": (
        "{Name} is not sexually active.",
        "{Name} cannot look after {herself} when {she} is out.",
    ),
    "adults_act": (
        "The man is putting {her} at risk.",
        "Adults are exposing {her} to harm.",
        "{Name} is at risk of sexual exploitation.",
        "Staff placed {her} room near the office.",
        "The street lighting near {place} is poor.",
        "{Name} said {her} friend is sexually active with an older man.",
        "{Name} can look after {her} younger brother.",
    ),
}

HOMES = ("Oak House", "the children's home", "the placement", "her foster home", "Elm Lodge")
PLACES = ("the bus station", "the town centre", "a flat on Hope Street", "the park", "a takeaway", "the retail park")
GOODS = ("drugs", "money", "cigarettes", "a place to stay", "alcohol")
PRONOUNS = {
    "F": {"she": "she", "her": "her", "herself": "herself", "partner": "boyfriend"},
    "M": {"she": "he", "her": "his", "herself": "himself", "partner": "girlfriend"},
}


def _fill(template: str, rng: random.Random, values: dict[str, str]) -> tuple[str, list[Label]]:
    """The template with its slots filled, and its labelled phrases located in the result."""
    text = template.format(
        putting=rng.choice(("putting", "is putting", "puts", "put")),
        chooses=rng.choice(("chooses", "is choosing", "chose")),
        **values,
    )
    labels, out, at = [], [], 0
    for match in _MARK.finditer(text):
        out.append(text[at : match.start()])
        start = sum(len(part) for part in out)
        out.append(match.group(2))
        labels.append(Label(match.group(1), start, start + len(match.group(2))))
        at = match.end()
    out.append(text[at:])
    return "".join(out), labels


def _police_style(sentence: str, name: str) -> str:
    # Police narratives say MISPER for the missing person and often shout.
    return sentence.replace(name, "MISPER", 1)


def language_corpus(*, seed: int = 1, notes: int = 2000) -> list[Note]:
    """`notes` notes, about half with blaming language and a third with a false-alarm case."""
    rng = random.Random(seed)
    corpus = []
    families = sorted(POSITIVE)
    alarms = sorted(FALSE_ALARMS)
    for _ in range(notes):
        sex = rng.choice("FM")
        name = rng.choice(ENGLISH.female if sex == "F" else ENGLISH.male)
        pronouns = PRONOUNS[sex]
        values = {
            "Name": name,
            "She": pronouns["she"].capitalize(),
            "Her": pronouns["her"].capitalize(),
            **pronouns,
            "home": rng.choice(HOMES),
            "place": rng.choice(PLACES),
            "goods": rng.choice(GOODS),
            "time": f"{rng.randint(18, 23)}:{rng.choice(('00', '15', '30', '45'))}",
            "adult_age": str(rng.randint(19, 34)),
            "peer_age": str(rng.randint(14, 17)),
        }
        kind = "police_narrative" if rng.random() < 0.4 else "case_note"
        chosen: list[tuple[str, str]] = [("", rng.choice(PLAIN)) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.55:
            chosen += [("", rng.choice(POSITIVE[family])) for family in rng.sample(families, rng.choice((1, 1, 2)))]
        if rng.random() < 0.35:
            alarm = rng.choice(alarms)
            chosen.append((alarm, rng.choice(FALSE_ALARMS[alarm])))
        rng.shuffle(chosen)

        text, labels, sentences = "", [], []
        for alarm, template in chosen:
            sentence, found = _fill(template, rng, values)
            if kind == "police_narrative":
                shouted = rng.random() < 0.3
                moved = _police_style(sentence, name)
                # Labels keep their place: MISPER may replace the name before a phrase.
                shift = (
                    len(moved) - len(sentence)
                    if moved != sentence
                    and moved.index("MISPER") < min([label.start for label in found] or [len(sentence)])
                    else 0
                )
                sentence, found = (
                    moved,
                    [Label(label.family, label.start + shift, label.end + shift) for label in found],
                )
                if shouted:
                    sentence = sentence.upper()
            if text:
                text += rng.choice((" ", " ", "\n"))
            offset = len(text)
            text += sentence
            labels += [Label(label.family, label.start + offset, label.end + offset) for label in found]
            sentences.append(Sentence(offset, len(text), alarm))
        corpus.append(Note(kind=kind, text=text, labels=tuple(labels), sentences=tuple(sentences)))
    return corpus
