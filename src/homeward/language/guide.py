"""The language guide as data, and the small matcher that finds its phrases in free text (issue 16).

Each family is a way of writing that makes a child sound responsible for harm done to them: its
patterns, why it harms, and what to write instead, in Homeward's own words. The reasoning follows
the CSE Taskforce's "Appropriate language" guide for multi-agency professionals (November 2024),
written for use within recording and case management systems, and HMICFRS's 2023 call to every
chief constable to eradicate victim-blaming language.

Nothing here changes a word anyone wrote: `find` only says where the phrases are.

Patterns are a few words long, one slot per word, separated by spaces:
  put+        any inflection of the lemma (put, puts, putting; choose, chose, chosen, choosing)
  a|b|c       any of these (each alternative may itself end in + or *)
  prostitut*  any word starting so
  SELF, POSS  a reflexive pronoun (herself, themselves...), a possessive one (her, his, their)
  ~3          up to three words of any kind in between
All words of a match lie in one sentence; a match inside quotation marks is the child's (or someone
else's) own words, recorded as said, and is never flagged.
"""

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

_WORD = re.compile(r"[a-z0-9]+", re.IGNORECASE)
# A sentence ends at . ! ? ; followed by a space, or at a line break.
_SENTENCE_END = re.compile(r"[.!?;](?=\s|$)|\n")

_MACROS = {
    "SELF": {"herself", "himself", "themselves", "themself", "theirself", "yourself", "myself", "oneself"},
    "POSS": {"her", "his", "their", "my", "your"},
}
_IRREGULAR = {
    "put": {"put", "puts", "putting"},
    "choose": {"choose", "chooses", "chose", "chosen", "choosing"},
    "sell": {"sell", "sells", "sold", "selling"},
    "make": {"make", "makes", "made", "making"},
    "sleep": {"sleep", "sleeps", "slept", "sleeping"},
    "know": {"know", "knows", "knew", "known", "knowing"},
    "go": {"go", "goes", "went", "gone", "going"},
    "be": {"be", "is", "are", "was", "were", "been", "being"},
}
_VOWELS = set("aeiou")


def inflections(lemma: str) -> set[str]:
    """The forms a word takes in writing: put -> puts, putting; place -> placed, placing; boyfriend -> boyfriends.

    Regular English endings, generated generously: a form nobody writes costs nothing, a form
    missed is a phrase missed."""
    lemma = lemma.lower()
    if lemma in _IRREGULAR:
        return set(_IRREGULAR[lemma])
    forms = {lemma, f"{lemma}s", f"{lemma}es", f"{lemma}ed", f"{lemma}ing"}
    if lemma.endswith("e"):
        forms |= {f"{lemma}d", f"{lemma[:-1]}ing"}
    if lemma.endswith("y") and len(lemma) > 2 and lemma[-2] not in _VOWELS:
        forms |= {f"{lemma[:-1]}ies", f"{lemma[:-1]}ied"}
    # Consonant-vowel-consonant doubles before -ed and -ing (stop -> stopped), never w, x or y.
    if len(lemma) >= 3 and lemma[-1] not in _VOWELS | set("wxy") and lemma[-2] in _VOWELS and lemma[-3] not in _VOWELS:
        forms |= {f"{lemma}{lemma[-1]}ed", f"{lemma}{lemma[-1]}ing"}
    return forms


@dataclass(frozen=True)
class Slot:
    words: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    gap: int = 0  # a gap slot: up to this many words of any kind

    def accepts(self, word: str) -> bool:
        return word in self.words or (bool(self.prefixes) and word.startswith(self.prefixes))


class PatternError(ValueError):
    pass


def compile_pattern(pattern: str) -> tuple[Slot, ...]:
    """A pattern's text -> its slots; PatternError says what is wrong (agencies write their own)."""
    slots: list[Slot] = []
    for part in pattern.split():
        if part.startswith("~"):
            if not part[1:].isdigit() or not 1 <= int(part[1:]) <= 6:
                raise PatternError(f"“{part}”: a gap is ~1 to ~6")
            if not slots or slots[-1].gap:
                raise PatternError(f"“{part}”: a gap must come between two words")
            slots.append(Slot(gap=int(part[1:])))
            continue
        words: set[str] = set()
        prefixes: list[str] = []
        for alternative in part.split("|"):
            if alternative in _MACROS:
                words |= _MACROS[alternative]
                continue
            alternative = alternative.lower()
            stem = alternative.rstrip("+*")
            if not stem or not _WORD.fullmatch(stem):
                raise PatternError(f"“{part}”: use letters and numbers only, with + or * at the end")
            if alternative.endswith("+"):
                words |= inflections(stem)
            elif alternative.endswith("*"):
                if len(stem) < 4:
                    raise PatternError(f"“{part}”: a word ending in * needs at least 4 letters before it")
                prefixes.append(stem)
            else:
                words.add(stem)
        slots.append(Slot(words=frozenset(words), prefixes=tuple(prefixes)))
    if not slots:
        raise PatternError("A pattern needs at least one word")
    if slots[-1].gap:
        raise PatternError("A pattern cannot end with a gap")
    return tuple(slots)


@dataclass(frozen=True)
class Token:
    word: str  # lower case
    start: int
    end: int
    sentence: int


def tokenise(text: str) -> list[Token]:
    ends = [m.start() for m in _SENTENCE_END.finditer(text)]
    return [
        Token(m.group().lower(), m.start(), m.end(), bisect.bisect_left(ends, m.start())) for m in _WORD.finditer(text)
    ]


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Where the text quotes someone's words: "…", “…”, ‘…’ and '…' (not an apostrophe).

    An unclosed quotation ends at the line's end, so one stray mark cannot hide a whole record."""
    spans = []
    opened: tuple[str, int] | None = None
    closers = {'"': '"', "“": "”", "‘": "’", "'": "'"}
    for i, char in enumerate(text):
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if char == "\n" and opened:
            spans.append((opened[1], i))
            opened = None
        elif opened is None:
            if char in ('"', "“") or (char in ("‘", "'") and not before.isalnum() and after.isalnum()):
                opened = (closers[char], i)
        elif char == opened[0] and (char in ('"', "”") or not after.isalnum()):
            spans.append((opened[1], i + 1))
            opened = None
    if opened:
        spans.append((opened[1], len(text)))
    return spans


# ---------------------------------------------------------------------------------------------
# False-alarm guards: given the tokens and the match (first and last token index), True when the
# words are not the harmful use.
# ---------------------------------------------------------------------------------------------

Guard = Callable[[list[Token], int, int], bool]

_NUMBER_WORDS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
}
_ADULT_WORDS = {
    "older",
    "adult",
    "adults",
    "man",
    "men",
    "woman",
    "grown",
    "twenties",
    "thirties",
    "forties",
    "mature",
    "twice",
    "car",
    "van",
    "drives",
}
_PEER_WORDS = {"peer", "peers", "classmate", "classmates", "school", "schoolfriend"}
_SAME_AGE = {("same", "age"), ("her", "age"), ("his", "age"), ("their", "age"), ("similar", "age"), ("own", "age")}
_BEFORE_AN_AGE = {"aged", "age", "is", "was", "turned"}
_AFTER_AN_AGE = {"year", "years", "yr", "yrs", "yo", "old"}


def _sentence_window(tokens: list[Token], first: int, last: int, width: int) -> list[Token]:
    sentence = tokens[first].sentence
    return [t for t in tokens[max(0, first - width) : last + width + 1] if t.sentence == sentence]


def _ages(tokens: list[Token], first: int, last: int, width: int) -> list[int]:
    """Numbers near the match that are ages ("aged 24", "19-year-old", "boyfriend, 15"), not times."""
    ages = []
    sentence = tokens[first].sentence
    for index in range(max(0, first - width), min(len(tokens), last + width + 1)):
        token = tokens[index]
        value = int(token.word) if token.word.isdigit() and len(token.word) <= 2 else _NUMBER_WORDS.get(token.word)
        if value is None or token.sentence != sentence:
            continue
        before = tokens[index - 1].word if index else ""
        after = tokens[index + 1].word if index + 1 < len(tokens) else ""
        if before in _BEFORE_AN_AGE or after in _AFTER_AN_AGE or index == last + 1:
            ages.append(value)
    return ages


def peer_partner(tokens: list[Token], first: int, last: int) -> bool:
    """A boyfriend or girlfriend who is a child too: an age under 18, "same age", "from school".

    An adult marker (an age of 18 or more, "older", "man", a car) always wins; with no marker at all
    the word is flagged, for the writer to say who the person is."""
    words = [t.word for t in _sentence_window(tokens, first, last, 8)]
    ages = _ages(tokens, first, last, 8)
    if any(age >= 18 for age in ages) or _ADULT_WORDS & set(words):
        return False
    pairs = set(zip(words, words[1:]))
    return bool(ages) or bool(_PEER_WORDS & set(words)) or bool(_SAME_AGE & pairs) or ("year", "group") in pairs


_SAFE_CHOICES = {
    "come",
    "return",
    "tell",
    "talk",
    "speak",
    "share",
    "disclose",
    "engage",
    "attend",
    "call",
    "ring",
    "phone",
    "contact",
    "answer",
    "seek",
    "ask",
    "report",
    "confide",
}
_SAFE_CHOICE_FORMS = set().union(*(inflections(w) for w in _SAFE_CHOICES))


_SAFE_PLACES = {
    "school",
    "college",
    "doctor",
    "doctors",
    "gp",
    "hospital",
    "clinic",
    "appointment",
    "dentist",
    "counselling",
}


def protective_choice(tokens: list[Token], first: int, last: int) -> bool:
    """ "She chose to come back", "chose to tell staff", "went willingly to the doctor's": a choice
    that protects is not blame."""
    following = [t.word for t in tokens[last + 1 : last + 6] if t.sentence == tokens[last].sentence]
    return bool(following) and (following[0] in _SAFE_CHOICE_FORMS or bool(_SAFE_PLACES & set(following)))


_NEGATIONS = {"not", "no", "non", "without", "cannot", "t", "unable", "never", "nor", "incapable"}
_CONSENT_TO_A_PROCESS = {
    "form",
    "forms",
    "for",
    "share",
    "sharing",
    "referral",
    "examination",
    "medical",
    "treatment",
    "test",
    "testing",
    "interview",
    "photo",
    "photograph",
    "assessment",
    "information",
}


def consent_to_a_process(tokens: list[Token], first: int, last: int) -> bool:
    """A consent form, consent to share information or to a medical examination, or a child who
    could not consent: none says the child agreed to harm."""
    for index in range(first, last + 1):
        if tokens[index].word.startswith("consen"):
            sentence = tokens[index].sentence
            before = {t.word for t in tokens[max(0, index - 3) : index] if t.sentence == sentence}
            after = [t.word for t in tokens[index + 1 : index + 3] if t.sentence == sentence]
            if before & _NEGATIONS:
                return True
            if after and after[0] in _CONSENT_TO_A_PROCESS:
                return True
            if len(after) == 2 and after[0] == "to" and after[1] in _CONSENT_TO_A_PROCESS:
                return True
    return False


def negated(tokens: list[Token], first: int, last: int) -> bool:
    """ "Not sexually active", "she can't look after herself": it says the opposite."""
    words = {t.word for t in tokens[max(0, first - 2) : last + 1] if t.sentence == tokens[first].sentence}
    return bool(words & _NEGATIONS)


_SOMEONE_ELSE = {"friend", "friends", "sister", "brother", "cousin", "mother", "father", "mum", "dad", "peer", "peers"}


def negated_or_someone_else(tokens: list[Token], first: int, last: int) -> bool:
    """As `negated`, or said of someone else: "her friend is sexually active"."""
    before = {t.word for t in tokens[max(0, first - 3) : first] if t.sentence == tokens[first].sentence}
    return negated(tokens, first, last) or bool(before & _SOMEONE_ELSE)


# ---------------------------------------------------------------------------------------------
# The built-in families
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Family:
    id: str
    label: str
    patterns: tuple[str, ...]
    why: str
    instead: tuple[str, ...]
    guard: Guard | None = None
    source: str = "Homeward"  # or the agency whose own entry this is
    version: int = 1
    compiled: tuple[tuple[Slot, ...], ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", tuple(compile_pattern(p) for p in self.patterns))


FAMILIES: tuple[Family, ...] = (
    Family(
        id="self_risk",
        label="“Putting themselves at risk”",
        patterns=(
            "put+|place+|expose+|make+ SELF ~3 risk*|dange*|harm*|vulnerab*",
            "POSS own behaviour+|behavior+|actions",
            "put+|place+ SELF ~2 in harm ~1 way",
            "risking|risked SELF",
        ),
        why=(
            "It says the child is the cause of the danger. A child who goes missing is at risk from the people "
            "and places that harm children, and from what drove them to leave; the words move the "
            "responsibility off those people and off the adults meant to protect the child."
        ),
        instead=(
            "Say who or what the child is at risk from: “at risk of harm from adults at …”",
            "“We are worried that she may be being exploited by …”",
            "“He is not safe when he is with …”",
        ),
    ),
    Family(
        id="sexually_active",
        label="“Sexually active”",
        patterns=("sexually active",),
        why=(
            "Of a child who is being exploited it describes abuse as the child's own sexual behaviour. A child "
            "cannot consent to being exploited, and a child under 13 cannot consent to sex at all."
        ),
        instead=(
            "“She is being sexually abused by …” or “She may be being sexually exploited”",
            "Record what is known: who, how old, where, and what was said",
        ),
        guard=negated_or_someone_else,
    ),
    Family(
        id="boyfriend",
        label="“Boyfriend” or “girlfriend” for someone who may be an adult",
        patterns=("boyfriend+|girlfriend+", "boy friend+|girl friend+"),
        why=(
            "Abusers groom children into believing they are in a relationship. Calling an adult, or anyone "
            "who controls or exploits the child, a boyfriend makes abuse sound like romance and can hide an "
            "offence. For someone of the child's own age, it may be the right word."
        ),
        instead=(
            "“An adult male (age, if known) she calls her boyfriend”",
            "“The man she has been seen with”, “a person who may be exploiting her”",
            "If he is the child's age, say so: “her boyfriend, who is 15”",
        ),
        guard=peer_partner,
    ),
    Family(
        id="prostitution",
        label="“Prostituting” or “selling sex”",
        patterns=(
            "prostitut*",
            "sell+|trade+|swap+|exchange+ ~1 sex|SELF",
            "sell+|trade+ POSS body",
            "sexual favours|favors",
            "sex work*",
            "sex for drugs|money|cash|gifts|alcohol|somewhere",
            "rent boy+",
        ),
        why=(
            "There is no such thing as a child prostitute: the law treats a child who is paid or rewarded for "
            "sex as a victim of sexual exploitation. The words make abuse sound like a trade the child chose."
        ),
        instead=(
            "“She is being sexually exploited”",
            "“Adults are giving him drugs and money and abusing him”",
        ),
    ),
    Family(
        id="streetwise",
        label="“Streetwise” or “can look after themselves”",
        patterns=(
            "streetwise",
            "street wise|smart|smarts|savvy",
            "streetsmart+",
            "can|able|capable ~2 look+ after SELF",
            "know+ how to look after SELF",
        ),
        guard=negated,
        why=(
            "It suggests the child is less at risk, or knows what they are doing. Children who seem confident "
            "on the street are often the ones most exposed to harm, and the words can lower the response."
        ),
        instead=(
            "“She has learned to survive in unsafe situations”",
            "“He knows the area and the people in it, which puts him in contact with …”",
        ),
    ),
    Family(
        id="choice",
        label="“Chose to”, “willingly”, “her own choice”",
        patterns=(
            "choose+ to",
            "make+ ~1 choice|decision to",
            "POSS own choice|decision",
            "of POSS own ~1 will|accord",
            "willing participant+",
            "vote+|voting with POSS feet",
            "willingly",
        ),
        why=(
            "A child who is groomed, threatened or dependent on the people harming them is not making a free "
            "choice. Writing that they chose it puts the blame on them and can close down the response."
        ),
        instead=(
            "Describe what happened, and what may have led to it: “She left after a call from …”",
            "“He went with adults who may be controlling him”",
        ),
        guard=protective_choice,
    ),
    Family(
        id="consent",
        label="“Consented” or “consensual”",
        patterns=(
            "consensual",
            "consent+ ~4 sex|sexual|sexually|intercourse|relationship+|activity|acts",
            "sex|sexual|sexually|intercourse ~4 consent+",
            "agree+ to ~2 sex|sexual|intercourse",
        ),
        why=(
            "A child under 13 cannot consent to sex, and a child under 16 cannot in law. A child who is being "
            "exploited is not consenting even when they say yes: the words hide abuse and the power behind it."
        ),
        instead=(
            "“She was sexually abused by …”, “he was raped by …”",
            "Record what the child said in their own words, in quotation marks",
        ),
        guard=consent_to_a_process,
    ),
    Family(
        id="lifestyle",
        label="“Lifestyle choice” or “risky behaviour”",
        patterns=(
            "lifestyle+ choice+",
            "POSS lifestyle+",
            "risky|chaotic|street|criminal|gang|party|sexualised|sexualized lifestyle+",
            "risky|sexualised|sexualized behaviour+|behavior+",
            "risk taking behaviour+|behavior+",
        ),
        why=(
            "It frames exploitation and abuse as the way the child has chosen to live. What looks like a "
            "lifestyle is usually the harm, or the child's way of coping with it."
        ),
        instead=(
            "Describe what is happening to the child, and who is involved",
            "“She is being exploited and is spending time with adults who …”",
        ),
    ),
    Family(
        id="absconded",
        label="“Absconded”",
        patterns=("abscond+|absconder+|abscondment+|awol",),
        why=(
            "It is a word for escaping custody: it makes a child who is missing sound like an offender on the "
            "run rather than a child who may be in danger."
        ),
        instead=("“Went missing from …”", "“Left the home at … and has not come back”", "“Is missing”"),
    ),
    Family(
        id="troublesome",
        label="“Troublesome”, “promiscuous”, “attention-seeking”",
        patterns=(
            "troublesome",
            "promiscu*",
            "sleep+ around",
            "attention seek+",
            "attentionseek*",
            "manipulative",
            "defiant",
        ),
        why=(
            "These labels judge the child instead of describing what happened. The inquiry into children "
            "missing from care found professionals dismissing children in just these words, and the "
            "children were not protected."
        ),
        instead=(
            "Describe what the child did and said, and what it may mean: “she keeps going missing at night, "
            "which may mean someone is contacting her”",
        ),
    ),
)

FAMILIES_BY_ID = {family.id: family for family in FAMILIES}


# ---------------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    family: Family
    start: int
    end: int
    phrase: str  # the words as written, text[start:end]


def _match_from(slots: tuple[Slot, ...], tokens: list[Token], at: int) -> int | None:
    """The index of the last token of a match of slots starting at tokens[at], or None."""

    def walk(slot_index: int, token_index: int) -> int | None:
        slot = slots[slot_index]
        if slot.gap:
            # Try the fewest words in between first: the shortest, closest match.
            for skip in range(slot.gap + 1):
                end = walk(slot_index + 1, token_index + skip)
                if end is not None:
                    return end
            return None
        if token_index >= len(tokens) or tokens[token_index].sentence != tokens[at].sentence:
            return None
        if not slot.accepts(tokens[token_index].word):
            return None
        if slot_index == len(slots) - 1:
            return token_index
        return walk(slot_index + 1, token_index + 1)

    return walk(0, at)


def find(text: str, families: Iterable[Family] = FAMILIES) -> list[Finding]:
    """Every phrase of the guide in the text, in reading order, without overlaps within a family."""
    tokens = tokenise(text)
    if not tokens:
        return []
    quotes = quoted_spans(text)
    findings: list[Finding] = []
    for family in families:
        taken_until = -1
        for at in range(len(tokens)):
            if tokens[at].start < taken_until:
                continue
            for slots in family.compiled:
                # Most words start no pattern: ask the first slot before walking the rest.
                if not slots[0].accepts(tokens[at].word):
                    continue
                last = _match_from(slots, tokens, at)
                if last is None:
                    continue
                start, end = tokens[at].start, tokens[last].end
                if any(q_start <= start and end <= q_end for q_start, q_end in quotes):
                    continue
                if family.guard is not None and family.guard(tokens, at, last):
                    continue
                findings.append(Finding(family, start, end, text[start:end]))
                taken_until = end
                break
    return sorted(findings, key=lambda f: (f.start, f.family.id))
