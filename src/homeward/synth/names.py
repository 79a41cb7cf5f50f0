"""Name lists for the synthetic world: common first names (by sex) and surnames in England.

Every list is ordered most common first; the generator draws from it with a Zipf-like skew, so a few
names are common and most are rare, as in any register. Lists are grouped by heritage so that a
child's name fits the ethnicity recorded for them. These are names, not people: any match with a
real child is chance.
"""

from typing import NamedTuple


class NamePool(NamedTuple):
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


ENGLISH = NamePool(
    male=_words("""
        Oliver Jack Harry George Charlie Jacob Noah Alfie Thomas James Freddie Oscar Leo William
        Joshua Alexander Riley Ethan Archie Henry Daniel Mason Logan Lucas Max Tyler Dylan Samuel
        Joseph Kai Liam Callum Lewis Connor Kyle Ryan Bradley Luke Reece Jordan Kieran Nathan Adam
        Harvey Finley Tommy Louie Ronnie Frankie Jake Matthew Aaron Cameron Corey Brandon Ellis Owen
        Toby Theo Isaac Jayden Jamie Shane Declan Ashton Lennon Teddy Albie Brody Cody Casey Rhys
    """),
    female=_words("""
        Olivia Amelia Isla Ava Emily Sophia Grace Mia Poppy Ella Lily Evie Isabella Jessica Chloe
        Ruby Sophie Millie Freya Charlotte Holly Megan Lauren Paige Courtney Chelsea Shannon Jade
        Amber Leah Ellie Scarlett Daisy Phoebe Eva Layla Harper Willow Maisie Lacey Kayla Tia Skye
        Demi Summer Lola Katie Caitlin Bethany Abigail Hannah Rosie Madison Kelsey Brooke Darcey
        Alisha Tegan Keira Nevaeh Ivy Florence Harriet Esme Gracie Hollie Morgan Casey Jasmine
    """),
    surnames=_words("""
        Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson
        Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Jackson Wood Turner Martin
        Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips
        Watson Davis Parker Price Bennett Young Griffiths Mitchell Cook Carter Richardson Bailey
        Collins Bell Shaw Miller Cox Richards Marshall Anderson Simpson Ellis Adams Wilkinson Foster
        Chapman Powell Webb Rogers Gray Mason Hunt Holmes Palmer Lloyd Barnes Knight Butler Russell
        Barker Fisher Stevens Jenkins Dixon Fletcher Howard Pearson Atkinson Gibson Fox Burton Mills
        Booth Lawrence Reynolds Hudson Dawson Holland Stone Hayes Barrett Ross Cole Armstrong Briggs
        Heath Lowe Hargreaves Pickering Whitehead Ashworth Crossley Sutcliffe Greenwood Birch Platt
    """),
)

IRISH = NamePool(
    male=_words("Sean Patrick Conor Ciaran Aidan Declan Liam Oisin Niall Cian Darragh Eoin Ronan Cillian Fionn"),
    female=_words("Niamh Siobhan Aoife Ciara Roisin Erin Saoirse Orla Caoimhe Sinead Aisling Grainne Clodagh"),
    surnames=_words("""
        Murphy Kelly O'Brien O'Connor Ryan Byrne Walsh O'Neill Doyle McCarthy Gallagher Kennedy Lynch
        Quinn Brennan Doherty Maguire Reilly Flanagan Connolly Keane Nolan Duffy Moran Kavanagh
    """),
)

IRISH_TRAVELLER = NamePool(
    male=_words("Johnny Patrick Michael Martin Tommy John Jimmy Paddy Francie Joe"),
    female=_words("Bridget Mary Margaret Kathleen Shannon Ellen Nora Winnie Chantelle Josie"),
    surnames=_words("Ward McDonagh Connors Joyce Maughan Stokes Sweeney Doran Collins Purcell McGinley Delaney"),
)

EASTERN_EUROPEAN = NamePool(
    male=_words("""
        Jakub Kacper Szymon Filip Mateusz Bartosz Michal Oskar Wiktor Dawid Andrei Alexandru Stefan
        Ionut Mihai Gabriel Darius Cristian Lukas Matas Dominykas Nojus Aleksander Antoni Roberts Kristers
    """),
    female=_words("""
        Julia Zuzanna Lena Maja Hanna Zofia Natalia Wiktoria Oliwia Maria Ioana Elena Andreea Bianca
        Daria Alexandra Emilija Gabija Ugne Austeja Amelia Alicja Patrycja Sofija
    """),
    surnames=_words("""
        Nowak Kowalski Wisniewski Wojcik Kowalczyk Kaminski Lewandowski Zielinski Szymanski Wozniak
        Dabrowski Kozlowski Mazur Krawczyk Popescu Ionescu Popa Stan Dumitru Stoica Gheorghe Rusu
        Munteanu Constantin Kazlauskas Jankauskas Petrauskas Stankevicius Vasiliauskas Ozols Berzins
    """),
)

ROMA = NamePool(
    male=_words("Marian Denis Robert Patrik Dominik Florin Ionel Marius Roman Samuel"),
    female=_words("Denisa Nikola Marcela Vanesa Florentina Ramona Simona Romana Sabina Monika"),
    surnames=_words("Balog Horvath Lakatos Olah Dunka Gabor Kovac Lacatus Stoica Siroki Sandor Rostas"),
)

INDIAN = NamePool(
    male=_words("Arjun Rohan Aarav Dev Krish Harjeet Gurpreet Jaspreet Ranveer Jasdeep Vihaan Aryan Rahul Karan Sahil"),
    female=_words("Priya Anika Diya Simran Kiran Navneet Harleen Riya Isha Anaya Jasleen Pooja Meera Sana Tanvi"),
    surnames=_words("Patel Sharma Singh Kumar Shah Gill Sandhu Mistry Chauhan Parmar Mehta Dhillon Bains Sidhu Kaur"),
)

PAKISTANI = NamePool(
    male=_words(
        "Muhammad Mohammed Ibrahim Yusuf Ali Hamza Zayn Ayaan Adam Musa Bilal Hassan Umar Zain Rayyan Abdullah"
    ),
    female=_words("Aisha Maryam Fatima Zainab Hafsa Amina Khadija Sana Iqra Hana Zara Safa Aleena Inaaya Eman"),
    surnames=_words("Khan Hussain Ahmed Ali Akhtar Mahmood Iqbal Shah Rashid Butt Malik Aslam Raza Mirza Bibi Javed"),
)

BANGLADESHI = NamePool(
    male=_words("Mohammed Abdul Ibrahim Rayhan Tahmid Safwan Yusuf Sami Imran Shahed Adnan Raihan"),
    female=_words("Sumaiya Fatima Tasnim Nusrat Ruksana Sadia Mariam Jannat Afia Tahmina Habiba Samira"),
    surnames=_words("Begum Miah Uddin Rahman Islam Ahmed Hoque Chowdhury Ali Khatun Hussain Alam Choudhury"),
)

AFRICAN = NamePool(
    male=_words("""
        David Daniel Samuel Joshua Emmanuel Michael Oluwaseun Tobi Chinedu Emeka Ayodele Tunde Kwame
        Kofi Kwabena Abdirahman Mohamed Abdi Yusuf Yonas Dawit Filmon Semere Ibrahima Moses Victor
    """),
    female=_words("""
        Blessing Precious Favour Chidinma Adaeze Ngozi Abena Ama Esther Grace Deborah Fatuma Hodan
        Ifrah Amal Hiwot Selam Adwoa Faith Mercy Comfort Ruth Asha Halima
    """),
    surnames=_words("""
        Okafor Adeyemi Okonkwo Adebayo Oladipo Mensah Owusu Boateng Asante Osei Appiah Mohamed Abdi
        Ali Hassan Warsame Farah Tesfay Haile Gebremedhin Kamara Bangura Sesay Mwangi Ndlovu Moyo Banda
    """),
)

CARIBBEAN = NamePool(
    male=_words(
        "Jerome Tyrone Marcus Andre Jamal Dwayne Malachi Isaiah Elijah Kai Josiah Tyreece Jayden Leon Kyrie Nathaniel"
    ),
    female=_words("Shanice Tia Aaliyah Jada Kiara Shania Imani Keisha Chantelle Nia Amani Jayda Shantelle Renee"),
    surnames=_words(
        "Campbell Brown Williams Francis Grant Thomas Gordon Clarke Powell Reid Henry Morgan Bailey Samuels Daley Forbes"
    ),
)

CHINESE = NamePool(
    male=_words("Wei Jun Hao Ethan Ryan Jason Kevin Yi Ming Chun"),
    female=_words("Mei Xin Ying Jia Chloe Jessica Hui Ling Yan Emily"),
    surnames=_words("Li Chen Wang Zhang Liu Wong Cheung Lam Chan Ng Ho Yang"),
)

# "Any other ethnic group": mostly Middle Eastern, Afghan, Kurdish and Vietnamese in England's figures.
OTHER = NamePool(
    male=_words("Ahmad Mohammad Ali Omid Hassan Karwan Rebwar Mustafa Yasin Bashir Abdul Minh Duc Tuan Amir Reza"),
    female=_words("Mariam Zahra Layla Noor Shirin Nasrin Hevi Rojin Lan Linh Yasmin Parisa"),
    surnames=_words(
        "Ahmadi Rahimi Hosseini Karimi Mohammadi Rasuli Aziz Abdullah Mahmoud Hamid Salih Nguyen Tran Pham Amiri"
    ),
)

# Which pools a child of each SSDA903 ethnicity draws first name and surname from.
POOLS_BY_ETHNICITY: dict[str, tuple[tuple[NamePool, ...], tuple[NamePool, ...]]] = {
    "WBRI": ((ENGLISH,), (ENGLISH,)),
    "WIRI": ((IRISH, ENGLISH), (IRISH,)),
    "WIRT": ((IRISH_TRAVELLER,), (IRISH_TRAVELLER,)),
    "WOTH": ((EASTERN_EUROPEAN,), (EASTERN_EUROPEAN,)),
    "WROM": ((ROMA,), (ROMA,)),
    "MWBC": ((ENGLISH, CARIBBEAN), (ENGLISH, CARIBBEAN)),
    "MWBA": ((ENGLISH, AFRICAN), (ENGLISH, AFRICAN)),
    "MWAS": ((ENGLISH, PAKISTANI, INDIAN), (ENGLISH, PAKISTANI, INDIAN)),
    "MOTH": ((ENGLISH, CARIBBEAN, OTHER), (ENGLISH, OTHER, EASTERN_EUROPEAN)),
    "AIND": ((INDIAN,), (INDIAN,)),
    "APKN": ((PAKISTANI,), (PAKISTANI,)),
    "ABAN": ((BANGLADESHI,), (BANGLADESHI,)),
    "AOTH": ((PAKISTANI, INDIAN, OTHER), (PAKISTANI, INDIAN, OTHER)),
    "BCRB": ((CARIBBEAN, ENGLISH), (CARIBBEAN,)),
    "BAFR": ((AFRICAN,), (AFRICAN,)),
    "BOTH": ((AFRICAN, CARIBBEAN), (AFRICAN, CARIBBEAN)),
    "CHNE": ((CHINESE,), (CHINESE,)),
    "OOTH": ((OTHER,), (OTHER,)),
    "REFU": ((ENGLISH,), (ENGLISH,)),
    "NOBT": ((ENGLISH,), (ENGLISH,)),
}

# Names carried only by women or only by men in these lists, never given to the other sex as a surname.
FEMALE_ONLY_SURNAMES = frozenset({"Kaur", "Begum", "Khatun", "Bibi"})
MALE_ONLY_SURNAMES = frozenset({"Singh"})

# What a child may be called day to day; only names with a usual short form get a nickname.
NICKNAMES: dict[str, str] = {
    "Alexander": "Alex",
    "Aleksander": "Olek",
    "Alexandru": "Alex",
    "Thomas": "Tom",
    "James": "Jamie",
    "William": "Will",
    "Joshua": "Josh",
    "Samuel": "Sam",
    "Daniel": "Danny",
    "Joseph": "Joe",
    "Matthew": "Matt",
    "Nathan": "Nate",
    "Jacob": "Jake",
    "Callum": "Cal",
    "Jayden": "Jay",
    "Tyrone": "Ty",
    "Tyler": "Ty",
    "Frederick": "Freddie",
    "Patrick": "Paddy",
    "Michael": "Mikey",
    "Mohammed": "Mo",
    "Muhammad": "Mo",
    "Mohammad": "Mo",
    "Mohamed": "Mo",
    "Ibrahim": "Ibby",
    "Oluwaseun": "Seun",
    "Abdirahman": "Abdi",
    "Emmanuel": "Manny",
    "Nathaniel": "Nat",
    "Charlotte": "Lottie",
    "Isabella": "Bella",
    "Jessica": "Jess",
    "Abigail": "Abby",
    "Madison": "Maddie",
    "Siobhan": "Shiv",
    "Chidinma": "Chi",
    "Adaeze": "Ada",
    "Zuzanna": "Zuzia",
    "Wiktoria": "Vicky",
    "Katie": "Kat",
    "Bethany": "Beth",
    "Jasmine": "Jas",
    "Florence": "Flo",
    "Elizabeth": "Lizzie",
    "Gabriel": "Gabe",
    "Dominykas": "Dom",
    "Kacper": "Kacpi",
    "Harjeet": "Harj",
    "Jaspreet": "Jas",
    "Gurpreet": "Gury",
    "Scarlett": "Scar",
    "Courtney": "Court",
}
