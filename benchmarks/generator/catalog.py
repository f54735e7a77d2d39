"""The menu of OT group types a clinic may offer, and who tends to be referred to each."""

from __future__ import annotations

from dataclasses import dataclass, field

ADULTS = ("adult", "older-adult")
PROGRAMS = ("PHP", "IOP", "OP", "RES")

PRIORITY_PROFILES: dict[str, tuple[float, float, float]] = {
    # (required, recommended, optional) shares by kind of group
    "clinical": (0.50, 0.38, 0.12),
    "core": (0.33, 0.45, 0.22),
    "adl": (0.28, 0.45, 0.27),
    "leisure": (0.12, 0.43, 0.45),
}


@dataclass(frozen=True)
class TypeTemplate:
    """One group type on the menu; sampled fields are ranges drawn per clinic."""

    id: str
    name: str
    category: str
    duration: int
    meetings: int
    min_size: tuple[int, int]
    max_size: tuple[int, int]
    roles: tuple[str, ...]
    popularity: float
    profile: str
    skills: tuple[str, ...] = ()
    staff_count: int = 1
    features: tuple[str, ...] = ()
    offsite: bool = False
    travel: tuple[int, ...] = (0,)
    age_bands: tuple[str, ...] | None = ADULTS
    genders: tuple[str, ...] | None = None
    programs: tuple[str, ...] | None = None
    tracks_any: tuple[str, ...] | None = None
    max_high: int | None = None
    single_program: bool = False
    windows: str | None = None
    """Name of the window pattern (``teen``, ``garden``, ``library``, ``store``, ``jobsite``)."""
    scarce: bool = False
    """Planned below demand: the clinic knowingly runs a waitlist for it."""
    affinity: dict[str, float] = field(default_factory=dict)
    """Referral multiplier by program (default 1)."""
    min_clinic: int = 0
    """Offered only by clinics with at least this many participants."""


CATALOG: tuple[TypeTemplate, ...] = (
    TypeTemplate(
        "social-skills", "Social Skills Training", "social-skills", 60, 2, (4, 4), (8, 10),
        ("OT", "OTA"), 1.0, "core", max_high=3,
        affinity={"PHP": 1.3, "RES": 1.3, "OP": 0.5},
    ),
    TypeTemplate(
        "teen-social-skills", "Adolescent Social Skills", "social-skills", 60, 2, (3, 3), (8, 8),
        ("OT", "OTA"), 3.0, "core", age_bands=("adolescent",), max_high=2, windows="teen",
    ),
    TypeTemplate(
        "cooking", "ADL Skills: Cooking", "cooking", 90, 1, (3, 3), (5, 6), ("OT", "OTA"), 0.95,
        "adl", features=("kitchen",), max_high=1, scarce=True,
        affinity={"RES": 1.4, "PHP": 1.2, "OP": 0.5},
    ),
    TypeTemplate(
        "money-management", "Money Management", "adl", 60, 1, (3, 4), (8, 8),
        ("OT", "OTA", "PEER"), 0.55, "adl", features=("computers",),
        affinity={"OP": 1.3, "IOP": 1.2},
    ),
    TypeTemplate(
        "stress-management", "Stress Management", "stress-management", 60, 1, (4, 4), (8, 10),
        ("OT", "OTA", "RT"), 0.9, "core",
    ),
    TypeTemplate(
        "trauma-recovery", "Trauma Recovery Through Occupation", "trauma-recovery", 60, 1, (3, 4),
        (6, 8), ("OT",), 2.2, "clinical", skills=("trauma-informed",), tracks_any=("trauma",),
        programs=("PHP", "IOP", "RES"), max_high=2, single_program=True,
    ),
    TypeTemplate(
        "psychosis-skills", "Cognitive Skills for Psychosis", "cognitive-skills", 60, 2, (3, 4),
        (6, 8), ("OT",), 2.5, "clinical", tracks_any=("psychosis",), max_high=3,
    ),
    TypeTemplate(
        "creative-expression", "Creative Expression: Art Studio", "creative", 90, 1, (3, 4), (8, 8),
        ("OT", "OTA", "RT"), 0.7, "leisure", features=("sink",), age_bands=None,
    ),
    TypeTemplate(
        "community-outing", "Community Outing: Library and Transit", "community-outing", 90, 1,
        (3, 3), (6, 8), ("OT", "OTA", "RT"), 0.75, "leisure", staff_count=2, offsite=True,
        travel=(20, 25, 30), max_high=0, windows="library", scarce=True,
        affinity={"PHP": 1.3, "RES": 1.3},
    ),
    TypeTemplate(
        "sensory-relaxation", "Sensory Modulation and Relaxation", "sensory", 60, 1, (3, 3), (6, 6),
        ("OT", "OTA"), 0.55, "leisure", features=("quiet",), age_bands=None,
        affinity={"PHP": 1.3, "RES": 1.5},
    ),
    TypeTemplate(
        "php-life-skills", "PHP Daily Living Skills Lab", "adl", 60, 2, (4, 4), (8, 10),
        ("OT", "OTA"), 2.2, "core", programs=("PHP",), single_program=True,
    ),
    TypeTemplate(
        "vocational-readiness", "Vocational Readiness", "vocational", 60, 2, (3, 4), (8, 8),
        ("OT", "OTA"), 0.5, "adl", features=("computers",), age_bands=("adult",),
        programs=("PHP", "IOP", "OP"), affinity={"OP": 1.6, "IOP": 1.3}, min_clinic=100,
    ),
    TypeTemplate(
        "gardening", "Therapeutic Gardening", "gardening", 60, 1, (3, 3), (8, 8),
        ("OT", "OTA", "RT"), 0.5, "leisure", features=("garden",), windows="garden",
        affinity={"RES": 1.6}, min_clinic=100,
    ),
    TypeTemplate(
        "healthy-aging", "Healthy Aging and Falls Prevention", "older-adult", 60, 1, (3, 3), (8, 8),
        ("OT",), 2.0, "core", age_bands=("older-adult",), min_clinic=100,
    ),
    TypeTemplate(
        "recovery-leisure", "Leisure and Recovery Planning", "leisure", 60, 1, (3, 4), (8, 10),
        ("RT", "PEER", "OT"), 1.6, "clinical", tracks_any=("substance-use",), min_clinic=100,
    ),
    TypeTemplate(
        "teen-coping", "Adolescent Coping Skills", "coping-skills", 60, 1, (3, 3), (8, 8),
        ("OT", "OTA", "RT"), 2.0, "core", age_bands=("adolescent",), max_high=2, windows="teen",
        min_clinic=100,
    ),
    TypeTemplate(
        "wrap", "Wellness Recovery Action Plan (WRAP)", "peer-support", 90, 1, (4, 4), (8, 10),
        ("PEER",), 0.6, "core", affinity={"IOP": 1.3, "OP": 1.3}, min_clinic=200,
    ),
    TypeTemplate(
        "mood-routines", "Routines and Mood", "behavioral-activation", 60, 1, (3, 4), (8, 8),
        ("OT", "OTA"), 1.0, "clinical", tracks_any=("mood",), min_clinic=200,
    ),
    TypeTemplate(
        "res-life-skills", "Residential Life Skills", "adl", 60, 2, (4, 4), (8, 10),
        ("OT", "OTA"), 2.5, "core", programs=("RES",), single_program=True, min_clinic=200,
    ),
    TypeTemplate(
        "grocery-outing", "Community Living: Grocery Shopping", "community-outing", 90, 1, (3, 3),
        (5, 6), ("OT", "OTA"), 0.45, "adl", offsite=True, travel=(20,), max_high=0,
        windows="store", scarce=True, affinity={"RES": 1.5, "PHP": 1.2}, min_clinic=600,
    ),
    TypeTemplate(
        "job-site-visit", "Job Site Visit", "vocational", 90, 1, (3, 3), (6, 6), ("OT", "OTA"),
        0.35, "adl", offsite=True, travel=(30,), age_bands=("adult",), programs=("IOP", "OP"),
        max_high=0, windows="jobsite", affinity={"OP": 1.5}, min_clinic=600,
    ),
    TypeTemplate(
        "movement", "Movement and Physical Activity", "physical-activity", 60, 2, (4, 4), (8, 10),
        ("RT",), 0.6, "leisure", affinity={"RES": 1.5, "PHP": 1.2}, min_clinic=600,
    ),
    TypeTemplate(
        "womens-wellness", "Women's Wellness Group", "wellness", 60, 1, (4, 4), (8, 10),
        ("OT", "OTA", "PEER"), 0.5, "core", genders=("F",), min_clinic=600,
    ),
)  # fmt: skip

SURNAMES: tuple[str, ...] = (
    "Rivera", "Lee", "Diaz", "Nguyen", "Patel", "Johnson", "Okafor", "Kowalski", "Haddad",
    "Brooks", "Tanaka", "Morales", "Schmidt", "Osei", "Larsen", "Gupta", "Chen", "Murphy",
    "Alvarez", "Novak", "Ibrahim", "Foster", "Kim", "Romero", "Walsh", "Singh", "Petrov",
    "Mendoza", "Carter", "Yilmaz", "Bennett", "Sato", "Ortiz", "Hughes", "Adeyemi", "Fischer",
    "Castillo", "Reed", "Park", "Moreau", "Silva", "Grant", "Ali", "Duarte", "Hoffman", "Lopez",
    "Owens", "Kaur", "Bauer", "Ramos", "Wright", "Ito", "Mensah", "Byrne", "Vargas", "Cohen",
    "Price", "Jensen", "Torres", "Khan", "Doyle", "Reyes", "Lindqvist", "Baker", "Nakamura",
    "Flores", "Hayes", "Abara", "Ferreira", "Young", "Cruz", "Weber", "Quinn", "Das", "Ward",
)  # fmt: skip

CREDENTIALS = {"OT": "OTR/L", "OTA": "COTA/L", "PEER": "CPS", "RT": "CTRS"}

CLINIC_PLACES: tuple[str, ...] = (
    "Riverside", "Lakeview", "Cedar Valley", "Harborview", "Prairie Hills", "Northgate",
    "Maple Ridge", "Bayside", "Pine Hollow", "Eastbrook", "Willow Creek", "Summit County",
)  # fmt: skip

TIMEZONES: tuple[str, ...] = (
    "America/Chicago", "America/New_York", "America/Denver", "America/Los_Angeles",
    "America/Phoenix",
)  # fmt: skip
