"""Embedded name data for synthetic people and for nickname handling in linkage.

The first-name lists are ordered roughly by popularity among children born in England and
Wales 2005-2024 (ONS baby-name tables) and the surname list roughly by frequency in Great
Britain; `rank_weights` turns rank into a skewed (Zipf-like) term frequency, so a few names
are very common and most are rare, as in real data. No real person is described here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

BOY_NAMES: tuple[str, ...] = tuple(
    """
    Oliver Jack Harry George Noah Charlie Jacob Alfie Freddie Oscar Leo Thomas James William
    Joshua Daniel Samuel Alexander Henry Mohammed Ethan Lucas Archie Theo Logan Max Isaac Joseph
    Dylan Riley Harrison Jayden Lewis Mason Adam Ryan Liam Benjamin Tyler Callum Kyle Connor Jake
    Luke Nathan Matthew Edward Sebastian Arthur Finley Teddy Reggie Tommy Ronnie Albie Elijah
    Jaxon Louie Toby Rory Hugo Zachary Frankie Bobby Elliot Dexter Arlo Ollie Stanley Jude Ezra
    Louis Reuben Harvey Kai Kian Michael David Aaron Cameron Jordan Bradley Brandon Owen Rhys
    Jamie Muhammad Charles Christopher Andrew Anthony Robert Kieran Declan Harley Jenson Ibrahim
    Yusuf Ali Omar Hamza Ayaan Zain Kacper Jakub Oskar Filip Ahmed Abdullah Musa Kayden Marcus
    Tristan Caleb Aiden Evan Ellis Sonny Jesse Felix Gabriel Jasper Rowan Leon Alex Finn Carter
    Jackson Mohammad Nathaniel Patrick Sean Corey Billy Joel Lennon Roman Jay Tobias Travis Ashton
    Brody Kaden Leighton Taylor Mikey Keegan Ruben Shane Curtis Dominic Blake Morgan Jonathan
    Joe Alfred Frederick Theodore Maximilian Vincent Ashley Craig Darren Stephen Steven Scott
    Jason Mark Paul Simon Peter Lee Wayne Karl Dean Ricky Robbie Josh Kobe Malachi Tyrese Jamal
    Kofi Kwame Emmanuel Samir Bilal Rayyan Arjun Aryan Rohan Krish Dawid Mateusz Szymon Antoni
    Lukas Ionut Andrei Mihai Luca Matteo Enzo Mateo Santiago Hassan Hussain Idris Zakariya Harris
    Benji Caden Eli Iestyn Dafydd Cian Ruairi Ciaran Niall Fraser Angus Hamish Callan Ewan
    """.split()
)

GIRL_NAMES: tuple[str, ...] = tuple(
    """
    Olivia Amelia Isla Ava Emily Sophia Grace Mia Poppy Ella Lily Evie Isabella Sophie Jessica
    Charlotte Freya Chloe Isabelle Daisy Ruby Lucy Florence Phoebe Holly Millie Scarlett Alice
    Matilda Rosie Ellie Erin Imogen Sienna Eva Hannah Lilly Layla Harriet Elsie Megan Esme Willow
    Ivy Maisie Amber Evelyn Lola Molly Abigail Leah Katie Lauren Bethany Eleanor Niamh Zara
    Georgia Madison Summer Paige Caitlin Rebecca Amy Samantha Elizabeth Victoria Kayla Jasmine
    Aaliyah Maryam Fatima Ayesha Hafsa Zainab Aisha Khadija Amira Hollie Courtney Shannon
    Chelsea Jade Kirsty Hayley Danielle Natalie Stephanie Gemma Laura Sarah Emma Rachel Amelie
    Ada Aria Luna Mila Nova Harper Bonnie Margot Penelope Thea Iris Violet Hallie Orla Maya
    Francesca Gabriella Alexandra Natasha Nicole Kimberley Jennifer Catherine Katherine Anna
    Annabelle Robyn Nadia Leila Lacey Tia Macy Demi Kacey Skye Keira Tegan Libby Tilly Darcey
    Darcie Eliza Beatrice Clara Edith Martha Mabel Nancy Hazel Emilia Aurora Elena Eden Nevaeh
    Lexi Lexie Mya Kelsey Kayleigh Sasha Tanisha Precious Blessing Abena Amara Chantelle Shauna
    Siobhan Ciara Aoife Mairead Eilidh Morven Seren Ffion Cerys Carys Alys Lowri Oliwia Zuzanna
    Julia Maja Wiktoria Zofia Amelka Ioana Maria Andreea Bianca Alina Gianna Giulia Chiara
    Priya Anaya Diya Simran Aleena Inaya Sana Safa Hana Yasmin Samira Nour Jana Rania Iman
    """.split()
)

SURNAMES: tuple[str, ...] = tuple(
    """
    Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson
    Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson
    Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen
    James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook
    Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson
    Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali
    Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell
    Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham Pearson Ahmed Fletcher Walsh Kaur
    Gibson Howard Andrews Stewart Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks
    West Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball Burton O'Brien Watts Rose Booth
    Perry Ryan Grant Wells Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster Hunter
    Gregory Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland Hawkins
    Harding Porter Robertson Newton Oliver Reed Kennedy Williamson Bird Gardner Shah Dean Lane
    Cooke Bates Henderson Parry Burgess Bishop Walton Burns Nicholson Shepherd Ross Cross Long
    Freeman Warren Nicholls Hamilton Byrne Sutton McDonald Yates Hodgson Robson Curtis Hopkins
    O'Connor Harper Coleman Watkins Moss McCarthy Chambers O'Neill Griffin Sharp Hardy Wheeler
    Potter Osborne Johnston Gordon Doyle Wallace George Jordan Hutchinson Rahman Miah Islam
    Uddin Akhtar Iqbal Hassan Mohamed Mahmood Nowak Kowalski Wisniewski Mensah Okafor Adeyemi
    Osei Nguyen Chen Wang Lin Kaya Yilmaz Popescu Ionescu Rossi Silva Santos Ferreira Costa
    Murphy-Jones Jarvis Lamb Howell Middleton Frost Quinn Kirby Lowry Nash Pritchard Sanders
    Fowler Holt Bolton Whitehouse Goddard Dale Moran Hale Connolly Sheppard Lucas Barber Banks
    Black Read Tucker Rowe Hyde Fraser Sims Norton Conway Field Barlow Manning Thornton Slater
    Steele Hanson Kemp Bryant Lambert Lynch Pugh Vaughan Hobbs Dyer Gilbert Abbott Finch Briggs
    Rhodes Randall Rowley Dennis Jennings Blake Whittaker Mann Burke Charlton Gallagher Cunningham
    Sweeney Fitzgerald Donnelly McLaughlin Brennan Mahoney Kirk Coates Rowland Sullivan Gough
    Mensah-Bonsu Asante Boateng Owusu Appiah Adebayo Okonkwo Eze Nwosu Obi Mohammed Rashid
    Chaudhry Bibi Sharma Kumar Gupta Joshi Mistry Parmar Chauhan Solanki Lewandowski Kaminski
    Zielinski Szymanski Wozniak Dabrowski Kozlowski Jankowski Mazur Krawczyk Pop Stan Dumitru
    """.split()
)

# Given names that agencies spell differently (the same name, not a nickname).
SPELLING_VARIANTS: tuple[tuple[str, ...], ...] = (
    ("Mohammed", "Muhammad", "Mohammad", "Mohamed", "Muhammed", "Mohamad", "Mohammod"),
    ("Aiden", "Aidan", "Ayden", "Aden"),
    ("Jayden", "Jaiden", "Jaden", "Jaydon"),
    ("Kayden", "Kaiden", "Caden", "Kaden"),
    ("Sean", "Shaun", "Shawn"),
    ("Stephen", "Steven"),
    ("Philip", "Phillip"),
    ("Jon", "John"),
    ("Louie", "Louis", "Lewis"),
    ("Elliot", "Elliott", "Eliot"),
    ("Isabelle", "Isabel", "Isobel", "Isabella"),
    ("Katie", "Katy", "Katey"),
    ("Hayley", "Haley", "Hailey"),
    ("Kirsty", "Kirstie", "Kirsti"),
    ("Zoe", "Zoey", "Zoë"),
    ("Leah", "Lea", "Leigha"),
    ("Layla", "Laila", "Leila", "Lailah"),
    ("Kayleigh", "Kayley", "Kaylee", "Kaley", "Kayla"),
    ("Caitlin", "Katelyn", "Kaitlyn", "Caitlyn"),
    ("Niamh", "Neve", "Neave"),
    ("Jasmine", "Jasmin", "Jazmin", "Yasmin"),
    ("Aaliyah", "Aliyah", "Aleah"),
    ("Ayesha", "Aisha", "Aysha"),
    ("Fatima", "Fatimah", "Fatma"),
    ("Zara", "Zarah", "Sara"),
    ("Lilly", "Lily", "Lillie"),
    ("Mollie", "Molly"),
    ("Millie", "Milly"),
    ("Hollie", "Holly"),
    ("Darcey", "Darcie", "Darcy"),
    ("Lexi", "Lexie", "Lexy"),
    ("Sophie", "Sophia", "Sofia"),
    ("Freya", "Freyja"),
    ("Ashton", "Aston"),
    ("Rhys", "Reece", "Reese"),
    ("Callum", "Calum"),
    ("Dominic", "Dominik"),
    ("Jakub", "Jacob", "Jakob"),
    ("Lukas", "Lucas"),
    ("Kacper", "Casper"),
    ("Yusuf", "Yousuf", "Yusef", "Yousef"),
    ("Hamza", "Hamzah"),
    ("Zakariya", "Zakaria", "Zachariah"),
    ("Ibrahim", "Ebrahim"),
    ("Abdullah", "Abdulla"),
    ("Hussain", "Hussein", "Husain"),
    ("Ahmed", "Ahmad"),
)

# Surnames that agencies spell differently; first spelling is the usual one.
SURNAME_VARIANTS: tuple[tuple[str, ...], ...] = (
    ("Clarke", "Clark"),
    ("Thompson", "Thomson"),
    ("Davies", "Davis"),
    ("Phillips", "Philips"),
    ("McDonald", "Macdonald", "MacDonald"),
    ("Matthews", "Mathews"),
    ("Reid", "Read", "Reed"),
    ("Gray", "Grey"),
    ("Rahman", "Rehman"),
    ("Nicholls", "Nichols"),
    ("Stevens", "Stephens"),
    ("Hodgson", "Hodgeson"),
    ("Byrne", "Burn", "Byrnes"),
    ("O'Brien", "OBrien", "O Brien"),
    ("O'Connor", "OConnor", "O Connor"),
    ("O'Neill", "ONeill", "O'Neil"),
    ("Miah", "Mia", "Meah"),
    ("Uddin", "Udin"),
    ("Chaudhry", "Chaudhary", "Choudhury", "Chowdhury"),
    ("Wisniewski", "Wisnewski"),
    ("Sheppard", "Shepherd", "Shepard"),
)

# Formal name -> nicknames, short forms and common spellings of the same given name.
# Used both to plant nicknames in synthetic records and, in the engine, to map every
# variant to one canonical key so that "Liz" and "Elizabeth" compare equal.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Alexander": ("Alex", "Xander", "Zander", "Alec", "Sandy", "Lex"),
    "Alexandra": ("Alex", "Lexi", "Sandra", "Alexa"),
    "Elizabeth": ("Liz", "Beth", "Lizzie", "Lizzy", "Eliza", "Betty", "Libby", "Elisabeth", "Bess"),
    "William": ("Will", "Bill", "Billy", "Liam", "Willie", "Wills"),
    "Robert": ("Rob", "Bob", "Bobby", "Robbie"),
    "Richard": ("Rich", "Rick", "Ricky", "Richie", "Dick"),
    "James": ("Jim", "Jimmy", "Jamie", "Jimi"),
    "Thomas": ("Tom", "Tommy", "Thom"),
    "Joseph": ("Joe", "Joey"),
    "Daniel": ("Dan", "Danny", "Dani"),
    "Samuel": ("Sam", "Sammy"),
    "Samantha": ("Sam", "Sammy", "Sammie"),
    "Benjamin": ("Ben", "Benji", "Benny"),
    "Matthew": ("Matt", "Matty", "Mattie"),
    "Michael": ("Mike", "Mikey", "Mick", "Micky", "Mickey"),
    "Christopher": ("Chris", "Kit", "Topher"),
    "Nicholas": ("Nick", "Nicky", "Nico"),
    "Anthony": ("Tony", "Ant", "Anton"),
    "Andrew": ("Andy", "Drew"),
    "Edward": ("Ed", "Eddie", "Eddy", "Ted", "Teddy", "Ned"),
    "Henry": ("Harry", "Hal", "Hank"),
    "Harrison": ("Harry", "Harri"),
    "Charles": ("Charlie", "Chas", "Chaz", "Chuck"),
    "Charlotte": ("Charlie", "Lottie", "Lotti", "Lotte"),
    "Frederick": ("Fred", "Freddie", "Freddy"),
    "Alfred": ("Alfie", "Alf", "Fred"),
    "Archibald": ("Archie", "Arch"),
    "Theodore": ("Theo", "Teddy", "Ted"),
    "Oliver": ("Ollie", "Olly", "Oli"),
    "Olivia": ("Liv", "Livvy", "Livia", "Ollie"),
    "Jacob": ("Jake", "Jakey", "Jac"),
    "Joshua": ("Josh", "Joss"),
    "Nathaniel": ("Nathan", "Nate", "Nat"),
    "Nathan": ("Nate", "Nat"),
    "Zachary": ("Zach", "Zack", "Zak", "Zac"),
    "Jonathan": ("Jon", "Jonny", "Johnny", "Jonty"),
    "John": ("Johnny", "Jack", "Jonny"),
    "Patrick": ("Pat", "Paddy", "Patsy"),
    "Stephen": ("Steve", "Stevie"),
    "Steven": ("Steve", "Stevie"),
    "Timothy": ("Tim", "Timmy"),
    "Gabriel": ("Gabe", "Gabi"),
    "Gabriella": ("Gabby", "Gabi", "Ella", "Brie"),
    "Sebastian": ("Seb", "Bastian", "Sebby"),
    "Maximilian": ("Max", "Maxi", "Milan"),
    "Maxwell": ("Max",),
    "Francis": ("Frank", "Frankie", "Fran"),
    "Francesca": ("Fran", "Frankie", "Cesca", "Franky"),
    "Leonardo": ("Leo", "Leon", "Leonard"),
    "Reginald": ("Reggie", "Reg"),
    "Ronald": ("Ronnie", "Ron"),
    "Stanley": ("Stan",),
    "Albert": ("Albie", "Bert", "Al"),
    "Arthur": ("Art", "Artie"),
    "Callum": ("Cal",),
    "Cameron": ("Cam",),
    "Dominic": ("Dom",),
    "Elliot": ("Eli",),
    "Elijah": ("Eli", "Lije"),
    "Isaac": ("Ike",),
    "Kenneth": ("Ken", "Kenny"),
    "Lewis": ("Lew", "Louie"),
    "Louis": ("Lou", "Louie"),
    "Raymond": ("Ray",),
    "Reuben": ("Rube", "Ruben"),
    "Tobias": ("Toby", "Tobi"),
    "Marcus": ("Marc",),
    "Jamal": ("Mal",),
    "Jayden": ("Jay", "Jaye"),
    "Mohammed": ("Mo", "Moe", "Mohd"),
    "Muhammad": ("Mo", "Moe", "Mohd"),
    "Abdullah": ("Abdul", "Abdi"),
    "Ibrahim": ("Ibby", "Ibra", "Abe"),
    "Yusuf": ("Yus",),
    "Emmanuel": ("Manny", "Manu"),
    "Kwame": ("Kwam",),
    "Mateusz": ("Mateo", "Matt"),
    "Szymon": ("Szymek",),
    "Jakub": ("Kuba", "Jake"),
    "Dawid": ("David", "Dave"),
    "David": ("Dave", "Davey", "Davy"),
    "Antoni": ("Antek", "Tony"),
    "Andrei": ("Andy", "Andre"),
    "Amelia": ("Millie", "Amy", "Mel"),
    "Isabella": ("Bella", "Izzy", "Issy", "Belle"),
    "Isabelle": ("Bella", "Izzy", "Issy", "Belle"),
    "Sophia": ("Sophie", "Soph"),
    "Sophie": ("Soph", "Sophia"),
    "Emily": ("Em", "Emmy", "Emmie"),
    "Jessica": ("Jess", "Jessie", "Jessy"),
    "Abigail": ("Abbie", "Abby", "Gail", "Abi"),
    "Hannah": ("Han",),
    "Rebecca": ("Becky", "Becca", "Bex", "Becki"),
    "Victoria": ("Vicky", "Vikki", "Tori", "Tory"),
    "Katherine": ("Kate", "Katie", "Kat", "Kathy", "Kitty", "Katy", "Kath"),
    "Catherine": ("Cath", "Cathy", "Kate", "Katie", "Cat", "Kitty"),
    "Margaret": ("Maggie", "Meg", "Peggy", "Madge", "Margot"),
    "Eleanor": ("Ellie", "Nell", "Nora", "Elle", "Nellie"),
    "Ellen": ("Ellie", "Nell"),
    "Natasha": ("Tash", "Tasha", "Nat"),
    "Natalie": ("Nat", "Talia"),
    "Jennifer": ("Jen", "Jenny", "Jenna"),
    "Danielle": ("Dani",),
    "Georgia": ("Georgie", "George"),
    "Georgina": ("Georgie", "Gina"),
    "Megan": ("Meg", "Meggie"),
    "Madison": ("Maddie", "Maddy", "Madi"),
    "Madeleine": ("Maddie", "Maddy", "Madeline"),
    "Matilda": ("Tilly", "Tilda", "Tillie"),
    "Florence": ("Flo", "Florrie", "Flossie"),
    "Evelyn": ("Evie", "Eve", "Lyn"),
    "Imogen": ("Immy", "Imi"),
    "Josephine": ("Jo", "Josie", "Jojo"),
    "Penelope": ("Penny",),
    "Harriet": ("Hattie", "Hatty"),
    "Louise": ("Lou", "Lulu"),
    "Louisa": ("Lou", "Lulu"),
    "Lucy": ("Lu", "Luce"),
    "Antonia": ("Toni", "Tonia"),
    "Amanda": ("Mandy", "Manda"),
    "Deborah": ("Debbie", "Deb", "Debs"),
    "Nicole": ("Nikki",),
    "Kimberley": ("Kim", "Kimmy"),
    "Stephanie": ("Steph", "Stevie"),
    "Christina": ("Chrissy", "Tina", "Chris"),
    "Caroline": ("Carrie", "Caro"),
    "Susannah": ("Sue", "Susie", "Suzy"),
    "Annabelle": ("Annie", "Anna"),
    "Rosemary": ("Rosie", "Rose"),
    "Rosalind": ("Rosie", "Ros"),
    "Gemma": ("Gem",),
    "Bethany": ("Beth", "Bethan"),
    "Chantelle": ("Telle", "Chan"),
    "Scarlett": ("Scar", "Letty"),
    "Beatrice": ("Bea", "Trixie", "Bee"),
    "Martha": ("Marty",),
    "Wiktoria": ("Wika", "Victoria"),
    "Zuzanna": ("Zuza", "Susan", "Zuzia"),
    "Aleksandra": ("Ola", "Ala", "Alex"),
    "Maryam": ("Mariam", "Miriam", "Mary"),
    "Khadija": ("Khadijah", "Dija"),
    "Zainab": ("Zaynab", "Zee"),
    "Precious": ("Presh",),
    "Blessing": ("Bless",),
}

# Street names and known-as names used by children and recorded as aliases.
STREET_ALIASES: tuple[str, ...] = tuple(
    """
    Jay Kid Tee Dee Zee Smokey Lil Chip Ace Blaze Sky Bash Dex Rocco Tiny Bugsy Jazz Roxy Kash
    Deejay Nino Boogie Kiki Bubbles Rio Dash Cookie Flash Storm Jet Remy Bobo Taz Nova
    """.split()
)


# Generated tails. The embedded lists are the common names; real names have a long tail
# (ONS: the top 100 given names cover only about half of children; the top few hundred
# surnames under two fifths of people). The tails are built from English name-making
# parts (onsets and endings; place-name elements for surnames) so that they look like
# names and are rare, as most real names are.
_BOY_STARTS = (
    "Ja Ka Bra Ma Ri Ro Le Za Ty De A E I O Sha Ne Ar Mi Da Ca Co Jo Lu Ra Te Ze Ha Ke Ju "
    "Ky Tre Dar Mar Jay Ray Cal Bry Ash Ev Ol"
).split()
_BOY_ENDS = (
    "den son ley ron vin mir an el io ius iel ton ric dan kai ver lan vis mond rick than zo nny lo dre"
).split()
_GIRL_STARTS = (
    "Ja Ka Bri Ma Ri Ro Le Za Ta De A E I Sha Ne Ar Mi Da Ca Co Jo Lu Ra Te Ze Ha Ke Ju "
    "Ky Tia Mel Sa Ro Ay Ev Lil Na Ro Cha Fe"
).split()
_GIRL_ENDS = (
    "la lyn na nah ria ra elle ssa nia ya lee ette ina ley rae ora anna isha ine mie ie sha lia dy ssia"
).split()
_PLACE_PREFIXES = (
    "Ash Black Brad Brom Bur Cal Chad Chest Clay Cran Dun East Ell Fair Farn Green Hal Hart "
    "Haw Hay Hol Kings Lang Mar Mid Mil Net New Nor Ock Pen Pres Rad Red Ros Shel Staf Stan "
    "Stock Sut Thorn Wal Wes Whit Wick Wind Wood Wor Ald Bar Bel Bick Brook Carl Cot Ding "
    "Elm Fox Gold Hamp"
).split()
_PLACE_SUFFIXES = (
    "ton ley by ford field wood well worth more ham bridge dale combe hurst shaw stone wick "
    "thorpe land croft den sby cott ridge mere brook gate house lock man er ing ington "
    "sworth stead bury win low fold hill"
).split()
_FOREIGN_ROOTS = (
    "Kowal Nowic Zielin Petr Ivan Dobr Mark Sokol Wolan Grab Popa Radu Stoic Marin Hasan "
    "Yilma Demir Aksoy Okon Adeb Obas Mensa Osei Nkem Chuk Rahm Chaud Hussa Mahm Qures"
).split()
_FOREIGN_ENDINGS = ("ski", "ska", "ova", "escu", "ic", "oglu", "u", "i", "an", "wala")


def _combine(starts: Sequence[str], ends: Sequence[str], exclude: Sequence[str]) -> tuple[str, ...]:
    seen = {name.lower() for name in exclude}
    out: list[str] = []
    for start in starts:
        for end in ends:
            name = (start + end).capitalize()
            # Skip clumsy joins ("Aan", "Eel") and names already in the common lists.
            if name.lower() in seen or start[-1].lower() == end[0]:
                continue
            seen.add(name.lower())
            out.append(name)
    return tuple(out)


def name_pool(kind: str, *, tail: bool = True) -> tuple[tuple[str, ...], list[float]]:
    """Names and their relative frequencies for "boy", "girl" or "surname".

    The common (embedded) names get Zipf-like weights calibrated to ONS figures: the top
    given name about 2% of children and the top 100 about half; Smith about 1.1% of people
    and the top 100 surnames about a quarter. With `tail`, the rest of the mass goes to the
    generated rare names; without it, only the embedded lists are used (far too few
    distinct names: two unrelated children share a name much more often than in life).
    """
    if kind in ("boy", "girl"):
        head = BOY_NAMES if kind == "boy" else GIRL_NAMES
        head_weights = rank_weights(len(head), exponent=1.0, offset=8.0)
        head_mass = 0.65
        rest = _combine(
            _BOY_STARTS if kind == "boy" else _GIRL_STARTS,
            _BOY_ENDS if kind == "boy" else _GIRL_ENDS,
            BOY_NAMES + GIRL_NAMES,
        )
    elif kind == "surname":
        head = SURNAMES
        head_weights = rank_weights(len(head), exponent=0.75, offset=3.0)
        head_mass = 0.38
        rest = _combine(_PLACE_PREFIXES, _PLACE_SUFFIXES, SURNAMES) + _combine(
            _FOREIGN_ROOTS, _FOREIGN_ENDINGS, SURNAMES
        )
    else:
        raise ValueError(f"unknown name kind {kind!r}")
    if not tail:
        return head, head_weights
    total = sum(head_weights)
    weights = [head_mass * w / total for w in head_weights]
    tail_weights = rank_weights(len(rest), exponent=0.6, offset=50.0)
    tail_total = sum(tail_weights)
    weights += [(1 - head_mass) * w / tail_total for w in tail_weights]
    return head + rest, weights


def rank_weights(n: int, *, exponent: float = 1.0, offset: float = 8.0) -> list[float]:
    """Zipf-like weights by rank: the top names are common and the tail is long.

    The offset flattens the head so the commonest name is a few percent of people (as in
    ONS tables), not a fifth of them as a pure Zipf law would make it.
    """
    return [1.0 / (rank + offset) ** exponent for rank in range(1, n + 1)]


def nickname_pairs() -> list[tuple[str, str]]:
    """Every (variant, formal) pair the nickname and spelling tables define."""
    pairs: list[tuple[str, str]] = []
    for formal, variants in NICKNAMES.items():
        pairs.extend((variant, formal) for variant in variants)
    for group in SPELLING_VARIANTS:
        pairs.extend((variant, group[0]) for variant in group[1:])
    return pairs


def canonical_name_map() -> dict[str, str]:
    """Lower-cased name -> canonical key, merging every group that shares a variant.

    Union-find over the nickname and spelling tables: "alex" joins Alexander and Alexandra,
    so both compare equal to "alex" (sex and the other fields still tell them apart).
    The key is the alphabetically first member of the merged group, so it is stable.
    """
    parent: dict[str, str] = {}

    def find(name: str) -> str:
        root = name
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[name] != root:
            parent[name], name = root, parent[name]
        return root

    def union(a: str, b: str) -> None:
        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            # Keep the alphabetically first as root so the key does not depend on order.
            if root_b < root_a:
                root_a, root_b = root_b, root_a
            parent[root_b] = root_a

    for variant, formal in nickname_pairs():
        union(_key(variant), _key(formal))
    return {name: find(name) for name in sorted(parent)}


def _key(name: str) -> str:
    """Lower-case ASCII letters only (accents stripped): the form the engine compares."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if "a" <= ch <= "z")
