"""The language guide's matcher: each family found in its inflections and word orders, each false
alarm left alone, and the guide's own shape (every family says why and what instead)."""

import pytest

from homeward.language.guide import FAMILIES, PatternError, compile_pattern, find, inflections, quoted_spans


def found(text: str) -> list[tuple[str, str]]:
    return [(f.family.id, f.phrase) for f in find(text)]


def families(text: str) -> set[str]:
    return {f.family.id for f in find(text)}


# Each family, in the forms people write it: (text, family, the words found).
FAMILY_CASES = [
    ("She is putting herself at risk.", "self_risk", "putting herself at risk"),
    ("He puts himself at serious risk by going to the flat.", "self_risk", "puts himself at serious risk"),
    ("They put themselves in danger when they leave.", "self_risk", "put themselves in danger"),
    ("She placed herself in dangerous situations.", "self_risk", "placed herself in dangerous"),
    ("He keeps exposing himself to harm.", "self_risk", "exposing himself to harm"),
    ("She is risking herself every night.", "self_risk", "risking herself"),
    ("He is making himself vulnerable online.", "self_risk", "making himself vulnerable"),
    ("She is at risk because of her own behaviour.", "self_risk", "her own behaviour"),
    ("Amira is sexually active.", "sexually_active", "sexually active"),
    ("She was seen with her boyfriend.", "boyfriend", "boyfriend"),
    ("Her boyfriend is 24 and drives a black car.", "boyfriend", "boyfriend"),
    ("He has an older girlfriend who collects him.", "boyfriend", "girlfriend"),
    ("She has several boyfriends in their twenties.", "boyfriend", "boyfriends"),
    ("Police believe she is prostituting herself.", "prostitution", "prostituting"),
    ("A child prostitute was found.", "prostitution", "prostitute"),
    ("She is selling sex for money.", "prostitution", "selling sex"),
    ("He exchanged sex for somewhere to sleep.", "prostitution", "exchanged sex"),
    ("She is very streetwise.", "streetwise", "streetwise"),
    ("He is street-wise and confident.", "streetwise", "street-wise"),
    ("She can look after herself.", "streetwise", "can look after herself"),
    ("He knows how to look after himself.", "streetwise", "knows how to look after himself"),
    ("She is street savvy.", "streetwise", "street savvy"),
    ("She chose to go with the men.", "choice", "chose to"),
    ("He chooses to stay out overnight.", "choice", "chooses to"),
    ("She is choosing to go back to the address.", "choice", "choosing to"),
    ("It was her own choice.", "choice", "her own choice"),
    ("She went of her own free will.", "choice", "of her own free will"),
    ("He went willingly.", "choice", "willingly"),
    ("She was a willing participant.", "choice", "willing participant"),
    ("He is voting with his feet.", "choice", "voting with his feet"),
    ("She consented to sex with him.", "consent", "consented to sex"),
    ("The relationship was consensual.", "consent", "consensual"),
    ("She says the sexual activity was consented to.", "consent", "sexual activity was consented"),
    ("She agreed to have sex with the men.", "consent", "agreed to have sex"),
    ("It is a lifestyle choice.", "lifestyle", "lifestyle choice"),
    ("She has a chaotic lifestyle.", "lifestyle", "chaotic lifestyle"),
    ("Going missing is part of her lifestyle.", "lifestyle", "her lifestyle"),
    ("He is engaging in risk-taking behaviour.", "lifestyle", "risk-taking behaviour"),
    ("Sexualised behaviours noted.", "lifestyle", "Sexualised behaviours"),
    ("She absconded at 22:00.", "absconded", "absconded"),
    ("He absconds regularly.", "absconded", "absconds"),
    ("She is a frequent absconder.", "absconded", "absconder"),
    ("Absconding from placement again.", "absconded", "Absconding"),
    ("Went AWOL from the home.", "absconded", "AWOL"),
    ("A troublesome young person.", "troublesome", "troublesome"),
    ("She is promiscuous.", "troublesome", "promiscuous"),
    ("Staff think she is sleeping around.", "troublesome", "sleeping around"),
    ("His attention-seeking behaviour.", "troublesome", "attention-seeking"),
    ("She can be manipulative.", "troublesome", "manipulative"),
    ("He is defiant.", "troublesome", "defiant"),
]


@pytest.mark.parametrize("text, family, phrase", FAMILY_CASES)
def test_each_family_is_found_as_written(text, family, phrase):
    assert (family, phrase) in found(text)


def test_every_family_has_cases_here():
    assert {family for _, family, _ in FAMILY_CASES} == {f.id for f in FAMILIES}


# The false alarms: words that look alike but do not blame the child.
FALSE_ALARMS = [
    # Quotation of the child's (or anyone's) own words is recorded as said.
    'She said "I chose to go, nobody made me".',
    "She told staff: “he is my boyfriend and he looks after me”.",
    "In her words, ‘I can look after myself’.",
    "He said 'I put myself at risk, I know'.",
    # A consent form, consent to share information or to an examination, and a child who cannot consent.
    "She signed the consent form for the sexual health clinic.",
    "Consent to share information about the sexual exploitation referral was given.",
    "She is 13 and cannot consent to sexual activity.",
    "The sex was not consensual.",
    "He described non-consensual sexual contact.",
    # A boyfriend or girlfriend of the child's own age.
    "Her boyfriend, who is 15, goes to the same school.",
    "She is with her boyfriend (14) at his mother's house.",
    "His girlfriend is the same age and in his year group.",
    "Her boyfriend from school called the home.",
    # A choice that protects.
    "She chose to come back to Oak House.",
    "He chose to tell staff where he had been.",
    "She chose to speak to the return interview worker.",
    "She chose to go to school today.",
    "He went willingly to the doctor's with staff.",
    # Statements that say the opposite.
    "She is not sexually active.",
    "She cannot look after herself when she is out.",
    "He can't look after himself.",
    # The same words, not about the child's part in harm, or about someone else.
    "She said her friend is sexually active with an older man.",
    "He can look after his younger brother.",
    "The man is putting her at risk.",
    "Adults are exposing her to harm.",
    "She is at risk of sexual exploitation.",
    "The street lighting is poor near the home.",
    "She left the home at 22:00 and has not come back.",
    "He was found safe with his grandmother.",
]


@pytest.mark.parametrize("text", FALSE_ALARMS)
def test_a_false_alarm_is_left_alone(text):
    assert found(text) == []


def test_a_quotation_does_not_hide_the_writers_own_words_after_it():
    text = 'She said "I chose to go". Staff believe she is putting herself at risk.'
    assert found(text) == [("self_risk", "putting herself at risk")]


def test_an_unclosed_quotation_ends_with_its_line():
    text = 'She said "leave me alone\nShe is putting herself at risk.'
    assert found(text) == [("self_risk", "putting herself at risk")]


def test_an_apostrophe_is_not_a_quotation():
    assert quoted_spans("She's at her friend's house and it's late") == []
    assert found("She's putting herself at risk at her friend's house.") == [("self_risk", "putting herself at risk")]


def test_an_adult_marker_wins_over_a_peer_marker():
    assert found("Her boyfriend from school is 19.") == [("boyfriend", "boyfriend")]


def test_a_time_is_not_an_age():
    assert found("Her boyfriend collected her at 15:30.") == [("boyfriend", "boyfriend")]


def test_words_of_one_phrase_must_share_a_sentence():
    assert families("She put herself forward. At risk of exploitation.") == set()


def test_several_families_and_offsets_point_at_the_words_as_written():
    text = "Amira absconded again. She is Putting Herself At Risk with her boyfriend."
    findings = find(text)
    assert [(f.family.id, text[f.start : f.end]) for f in findings] == [
        ("absconded", "absconded"),
        ("self_risk", "Putting Herself At Risk"),
        ("boyfriend", "boyfriend"),
    ]


def test_inflections_cover_regular_and_irregular_forms():
    assert {"put", "puts", "putting"} <= inflections("put")
    assert {"chose", "chosen", "choosing"} <= inflections("choose")
    assert {"placed", "placing", "places"} <= inflections("place")
    assert {"absconded", "absconding", "absconds"} <= inflections("abscond")
    assert {"stopped", "stopping"} <= inflections("stop")


@pytest.mark.parametrize("pattern", ["", "~2 risk", "put ~2", "put ~9 risk", "sex*", "put+ ~1 ~1 risk", "b@d"])
def test_a_pattern_that_cannot_work_is_refused(pattern):
    with pytest.raises(PatternError):
        compile_pattern(pattern)


def test_every_family_says_why_and_what_instead():
    for family in FAMILIES:
        assert family.label and len(family.why) > 40 and family.instead, family.id


def test_the_guide_cites_the_taskforce_guide_by_name():
    from homeward.language import guide

    assert "CSE Taskforce" in guide.__doc__ and "November 2024" in guide.__doc__
