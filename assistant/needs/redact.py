"""Replace personal data in a question with placeholders before anything is stored.

Case workers type client details into questions ("Min klient Anna, 19850312-1234, bor på
Storgatan 4…"). Nothing identifying may reach the needs register, a log line or an error
message (domain.md, offentlighets- och sekretesslagen 26 kap., GDPR), so every text passes
``redact`` first and only the placeholder text is kept.

Detectors run on the original text and produce spans; overlapping spans are resolved by
priority and then replaced from the end. The result keeps the kinds and positions of what
was found, never the values.

- personnummer / samordningsnummer: 10 or 12 digits, with or without ``-``/``+``/space,
  checked with the Luhn digit by the ``personnummer`` library (samordningsnummer: day + 60).
  A number with the shape *and* a valid date and an explicit separator but a wrong check
  digit is still redacted: a mistyped personnummer identifies a person just as well.
- phone numbers (Swedish forms, +46/0046), e-mail addresses, street addresses, postcodes.
- personal names: a bundled list of common first names and surnames, plus context
  ("min klient Anna", "familjen Lund", "heter Kalle"), which also catches names not on the list.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from personnummer import personnummer as _pnr

PLACEHOLDERS: dict[str, str] = {
    "personnummer": "[PERSONNUMMER]",
    "samordningsnummer": "[SAMORDNINGSNUMMER]",
    "epost": "[EPOST]",
    "telefon": "[TELEFON]",
    "adress": "[ADRESS]",
    "postnummer": "[POSTNUMMER]",
    "namn": "[NAMN]",
}
# When two detectors claim overlapping text, the more specific one wins.
_PRIORITY = {
    "epost": 0,
    "personnummer": 1,
    "samordningsnummer": 1,
    "telefon": 2,
    "adress": 3,
    "postnummer": 4,
    "namn": 5,
}


@dataclass(frozen=True)
class Redaction:
    """The redacted text and what was replaced: (kind, placeholder), and where in the input."""

    text: str
    found: list[tuple[str, str]] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.found)


# --- identity numbers ----------------------------------------------------------------------

_ID_RE = re.compile(
    r"(?<![\w+\-])"
    r"(?P<date>(?:1[89]|20)?\d{6})"
    r"(?P<sep>[-+ ]?)"
    r"(?P<tail>\d{4})"
    r"(?![\w\-])"
)


def _luhn_ok(ten_digits: str) -> bool:
    total = 0
    for i, ch in enumerate(ten_digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _date_kind(date: str) -> str | None:
    """'personnummer', 'samordningsnummer' or None when the digits are no date of birth."""
    yymmdd = date[-6:]
    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    kind = "personnummer"
    if day > 60:
        day -= 60
        kind = "samordningsnummer"
    # Without a century any will do for a calendar check; 2000 is a leap year, so 29 Feb passes.
    year = int(date[:4]) if len(date) == 8 else 2000 + int(yymmdd[:2])
    try:
        dt.date(year, month, day)
    except ValueError:
        return None
    return kind


def _find_identity_numbers(text: str) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for m in _ID_RE.finditer(text):
        date, sep, tail = m.group("date"), m.group("sep"), m.group("tail")
        kind = _date_kind(date)
        if kind is None:
            continue
        normalised = f"{date}{'-' if sep == ' ' else sep}{tail}"
        try:
            valid = bool(_pnr.valid(normalised))
        except Exception:  # the library raises on some malformed input; treat as not valid
            valid = False
        # A wrong check digit is still an identity number when it is written like one (with
        # "-" or "+"); a bare run of digits with a wrong check digit may be a case number.
        if not valid and not _luhn_ok(date[-6:] + tail) and sep not in ("-", "+"):
            continue
        out.append((m.start(), m.end(), kind))
    return out


# --- contact details -----------------------------------------------------------------------

_EMAIL_RE = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", re.UNICODE)

# Swedish numbers: 07x-xxx xx xx, 08-123 456 78, 031-12 34 56, +46 70 123 45 67, 0046…
_PHONE_RE = re.compile(
    r"(?<![\w+])"
    r"(?:\+46|0046)[\s\-]?(?:\(0\)\s?)?[1-9](?:[\s\-]?\d){6,9}"
    r"|(?<![\w+,.\-])0[1-9]\d{0,3}[\s\-/]?\d{2,3}(?:[\s\-]?\d{2,3}){1,3}"
    r"(?![\w])"
)

_STREET_SUFFIX = (
    r"(?:gatan|gata|vägen|väg|gränd|gränden|torget|torg|stigen|stig|allén|allé|backen|backe|"
    r"plan|leden|platsen|parken|kajen|esplanaden|promenaden|stråket)"
)
_STREET_RE = re.compile(
    # One or two words ending in a street suffix ("Storgatan", "Drottning Kristinas väg"),
    # with an optional house number, letter and flat number.
    rf"(?<![\w])(?:[A-ZÅÄÖ][\wåäöé]+\s)?[A-ZÅÄÖa-zåäö][\wåäöé]*?{_STREET_SUFFIX}"
    r"(?:\s+\d{1,4}(?:\s?[A-Ha-h](?![\w]))?(?:,?\s*(?:lgh|lägenhet)\.?\s*\d{1,5})?)?"
    r"(?![\w])"
)
# Street names written as separate words: "Drottning Kristinas väg 5", "Sankt Eriks gata 3".
_STREET_WORDS_RE = re.compile(
    r"(?<![\w])(?:[A-ZÅÄÖ][\wåäöé]+\s){1,2}(?:väg|gata|gränd|allé|torg|backe|stig|plan)"
    r"\s+\d{1,4}(?:\s?[A-Ha-h](?![\w]))?(?:,?\s*(?:lgh|lägenhet)\.?\s*\d{1,5})?(?![\w])"
)
_STREET_ONLY_RE = re.compile(r"(?:gatan|vägen|gränd|gränden|torget|allén|stigen|backen)$")
_POSTCODE_RE = re.compile(
    r"(?<![\d\w])(?P<code>[1-9]\d{2}\s?\d{2})(?=,?\s+[A-ZÅÄÖ][a-zåäö]+)"
    r"|(?i:postnummer|postnr\.?)\s*(?P<code2>[1-9]\d{2}\s?\d{2})(?!\d)"
)


def _find_contacts(text: str) -> list[tuple[int, int, str]]:
    out = [(m.start(), m.end(), "epost") for m in _EMAIL_RE.finditer(text)]
    for m in _PHONE_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 8 <= len(digits) <= 13:
            out.append((m.start(), m.end(), "telefon"))
    for m in _STREET_RE.finditer(text):
        words = m.group().split()
        if words[0].lower() in _NOT_STREETS:
            continue
        if not re.search(r"\d", m.group()):
            # Without a house number only a capitalised name with a street-only ending counts;
            # otherwise compounds such as "Handlingsplan" or "Mötesplatsen" would be taken
            # for addresses.
            name = words[-1]
            if not (name[:1].isupper() and _STREET_ONLY_RE.search(name)):
                continue
        out.append((m.start(), m.end(), "adress"))
    out.extend((m.start(), m.end(), "adress") for m in _STREET_WORDS_RE.finditer(text))
    for m in _POSTCODE_RE.finditer(text):
        group = "code" if m.group("code") else "code2"
        out.append((m.start(group), m.end(group), "postnummer"))
    return out


# Compounds ending in a street suffix that are ordinary words in social-services text.
_NOT_STREETS = frozenset(
    {
        "genomförandeplan",
        "vårdplan",
        "handlingsplan",
        "arbetsplan",
        "plan",
        "samordnad",
        "verksamhetsplan",
        "behandlingsplan",
        "stig",
        "väg",
        "vägen",
        "torg",
        "torget",
        "platsen",
        "backen",
        "parken",
        "allé",
        "gata",
        "gatan",
        "arbetsplatsen",
        "mötesplatsen",
        "ledningen",
        "vård-",
        "den",
    }
)


# --- names ---------------------------------------------------------------------------------

# First names that are also ordinary Swedish words ("Per månad", "Bo kvar", "Klara sig"):
# redacted only mid-sentence, after a context word, or before a surname.
_WORD_NAMES = frozenset(
    {
        "Bo", "Per", "Stig", "Björn", "Rut", "Dag", "Klara", "Maj", "Sten", "Ove", "Ann",
        "Gun", "Dan", "Ali", "Nova", "Saga", "Alma", "Ester", "Vera", "Ronja", "Lykke",
        "Ebbe", "Tage", "Milan", "Ana", "Ola", "Leo", "Otto", "Ines", "Ellen", "Selma",
        "Signe", "Liam", "Nur", "Noor", "Nour", "Hawa", "Amir", "Mona", "Ruth", "Britt",
    }
)  # fmt: skip
# Surnames that are also places or words ("Lund", "Berg", "Holm", "Ström"): redacted only
# next to a first name or after a context word.
_WORD_SURNAMES = frozenset(
    {
        "Berg", "Lind", "Lund", "Holm", "Falk", "Ström", "Dahl", "Blom", "Björk", "Ek",
        "Strand", "Lilja", "Hägg", "Nur", "Ali", "Omar", "Hassan", "Ahmed", "Farah",
        "Nordin", "Mohamed", "Mohammed", "Ibrahim", "Hussein", "Yusuf", "Abdi", "Jama",
    }
)  # fmt: skip
# Words of the trade and of Swedish authorities that are never names, whatever the context.
PROTECTED_TERMS = frozenset(
    {
        "lss", "lvu", "lvm", "sol", "ivo", "skr", "sbu", "rss", "fou", "ifo", "nsk-s", "bbic",
        "ebp", "socialstyrelsen", "socialtjänsten", "socialnämnden", "kommunen", "regionen",
        "försäkringskassan", "arbetsförmedlingen", "kronofogden", "migrationsverket",
        "polisen", "skolan", "förskolan", "barn", "unga", "barnet", "vuxna", "äldre",
        "kunskapsguiden", "partnerskapet", "sis", "bup", "vuxenpsykiatrin", "psykiatrin",
        "familjehem", "familjehemmet", "hvb", "skyddat", "boende", "stödboende",
        "tingsrätten", "förvaltningsrätten", "kammarrätten", "jo", "jk", "imy", "gdpr",
        "barnahus", "mvc", "bvc", "ungdomsmottagningen", "missbruksvården", "beroendevården",
        "malmö", "göteborg", "stockholm", "uppsala", "linköping", "örebro", "umeå",
        "västerås", "norrköping", "helsingborg", "jönköping", "gävle", "sundsvall",
        "eskilstuna", "karlstad", "växjö", "halmstad", "borås", "luleå", "kiruna",
        "om", "och", "eller", "har", "är", "som", "den", "det", "att", "en", "ett", "jag",
        "vi", "hon", "han", "hen", "de", "dem", "vad", "hur", "när", "var", "vem", "vilka",
        "kan", "ska", "får", "bor", "med", "till", "för", "på", "i", "av", "inte", "nu",
        "också", "sedan", "där", "här", "men", "så", "efter", "under", "vid", "utan",
        "januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
        "september", "oktober", "november", "december", "måndag", "tisdag", "onsdag",
        "torsdag", "fredag", "lördag", "söndag", "svensk", "svenska", "arabiska",
    }
)  # fmt: skip

# Words after which the next word is a person's name if it looks like one.
_CONTEXT_RE = re.compile(
    r"(?i:\b(?:min|mitt|vår|våra|mina|en|ett|hennes|hans|deras)?\s*"
    r"(?:klient(?:en)?|brukare(?:n)?|patient(?:en)?|mamma(?:n)?|pappa(?:n)?|mor(?:n)?|"
    r"modern|far(?:n)?|fadern|son(?:en)?|dotter|dottern|pojke(?:n)?|flicka(?:n)?|barnet|"
    r"tjej(?:en)?|kille(?:n)?|ungdom(?:en)?|vårdnadshavare(?:n)?|kontaktperson(?:en)?|"
    r"god\s+man|handläggare(?:n)?|kollega(?:n)?|elev(?:en)?|sökande(?:n)?|make(?:n)?|maka(?:n)?|"
    r"sambo(?:n)?|pojkvän(?:nen)?|flickvän(?:nen)?|partner(?:n)?|syster(?:n)?|bror|brodern|"
    r"mormor|morfar|farmor|farfar|familje(?:n)?|famil(?:jen)?|herr|fru|fröken|"
    r"heter|hette|kallas|kallad|kallade|vid\s+namn|som\s+heter|namnet|anmälaren|"
    r"grannen|mannen|kvinnan|hustrun|frun|exet|exmaken|styvpappa(?:n)?|styvmamma(?:n)?|"
    r"familjehemsmamma(?:n)?|familjehemspappa(?:n)?|klienterna|syskonen))"
    r"[\s,:]+(?:som\s+heter\s+|heter\s+)?"
)
_TOKEN_RE = re.compile(r"[A-Za-zÅÄÖåäöÉéÜüØøÆæŞşĆćČčŠšŽžŁłÓó][\wÅÄÖåäöéÉüÜ'\-]*")


@lru_cache(maxsize=1)
def _name_lists() -> tuple[frozenset[str], frozenset[str]]:
    def load(name: str) -> frozenset[str]:
        text = resources.files("assistant.needs").joinpath(name).read_text(encoding="utf-8")
        return frozenset(
            line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"
        )

    return load("fornamn.txt"), load("efternamn.txt")


def _looks_like_surname(token: str) -> bool:
    _first, last = _name_lists()
    if token in last:
        return True
    # Patronymic and nature-compound surnames; none of these endings forms a common
    # capitalised Swedish word.
    return bool(
        token[:1].isupper()
        and not token.isupper()
        and re.search(r"(?:sson|ström|qvist|kvist|gren|berg|lund|dahl|holm|stedt)$", token)
        and token.lower() not in PROTECTED_TERMS
    )


def _is_capitalised(token: str) -> bool:
    return token[:1].isupper() and not token.isupper()


def _sentence_start(text: str, pos: int) -> bool:
    before = text[:pos].rstrip()
    return not before or before[-1] in ".!?:;\n\"'(«"


Token = tuple[int, int, str]  # start, end, text


def _names_before_numbers(
    text: str, tokens: list[Token], identity_numbers: list[Token], first_names: frozenset[str]
) -> set[int]:
    """Starts of the capitalised words right before an identity number: they name the person
    it identifies ("Elvin, 150312-1236", "Olena Kovalenko 900101-…"), whether or not they
    are on our lists."""
    before_number: set[int] = set()
    for start, _end, _kind in identity_numbers:
        i = max((k for k, t in enumerate(tokens) if t[1] <= start), default=-1)
        gap = r"[\s,:(]*"
        while i >= 0 and re.fullmatch(gap, text[tokens[i][1] : start]):
            token_start, _token_end, token = tokens[i]
            # Not a role ("Klienten 0001…") or a sentence's first word ("Gäller 0001…").
            if not _is_capitalised(token) or _CONTEXT_RE.fullmatch(token):
                break
            if _sentence_start(text, token_start) and token not in first_names:
                break
            before_number.add(token_start)
            start, i, gap = token_start, i - 1, " "
    return before_number


def _starts_name(
    text: str,
    tokens: list[Token],
    i: int,
    marked: set[int],
    first_names: frozenset[str],
    surnames: frozenset[str],
) -> bool:
    """Whether token ``i`` begins a person's name. ``marked``: token starts that name a
    person by their place (before an identity number, after "klienten" and the like)."""
    start, end, tok = tokens[i]
    base = tok.rstrip("s") if tok.endswith("s") and tok[:-1] in first_names else tok
    if (
        tok.lower() in PROTECTED_TERMS
        or tok.isupper()
        or ("-" in tok and tok.split("-")[0].isupper())
    ):
        return False
    if start in marked:
        return True
    if _is_capitalised(tok) and base in first_names:
        if base not in _WORD_NAMES or not _sentence_start(text, start):
            return True
        # A word-name right before a surname is a name wherever it stands ("Per Olsson").
        if i + 1 < len(tokens):
            nxt = tokens[i + 1][2]
            return _looks_like_surname(nxt) and text[end : tokens[i + 1][0]].isspace()
        return False
    if (
        _is_capitalised(tok)
        and not _sentence_start(text, start)
        and i + 1 < len(tokens)
        and tokens[i + 1][2] in surnames
        and text[end : tokens[i + 1][0]] == " "
    ):
        # An unknown capitalised word mid-sentence right before a known surname is a
        # first name not on our list ("Solveig Eriksson").
        return True
    if _is_capitalised(tok) and _looks_like_surname(tok) and tok not in _WORD_SURNAMES:
        # A place with a surname-like ending ("Falkenberg kommun") is not a person.
        nxt = tokens[i + 1][2].lower() if i + 1 < len(tokens) else ""
        return nxt not in {"kommun", "kommuns", "stad", "stads", "region", "län"}
    return False


def _name_end(
    text: str, tokens: list[Token], i: int, first_names: frozenset[str], surnames: frozenset[str]
) -> tuple[int, int]:
    """The end offset of the name that token ``i`` begins (further first names and a
    surname), and the index of the first token after it."""
    tok = tokens[i][2]
    j, stop = i + 1, tokens[i][1]
    while j < len(tokens):
        s2, e2, t2 = tokens[j]
        gap = text[stop:s2]
        if gap not in (" ", "-") or t2.lower() in PROTECTED_TERMS:
            break
        if not _is_capitalised(t2):
            # "min klient anna andersson": lower-case names continue a lower-case name.
            if tok[:1].islower() and t2.capitalize() in surnames:
                stop = e2
                j += 1
            break
        if t2 in first_names or t2 in surnames or _looks_like_surname(t2):
            stop = e2
            j += 1
            continue
        # An unknown capitalised word right after a first name, mid-sentence, is most
        # likely a surname not on our list ("Anna Berglöf").
        if not _sentence_start(text, s2):
            stop = e2
            j += 1
        break
    return stop, j


def _find_names(text: str, identity_numbers: list[Token]) -> list[Token]:
    first_names, surnames = _name_lists()
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN_RE.finditer(text)]
    before_number = _names_before_numbers(text, tokens, identity_numbers, first_names)
    # After a context word ("klienten", "min son") a word is a name if it looks like one.
    after_context = {m.end() for m in _CONTEXT_RE.finditer(text)}
    marked = before_number | {
        start
        for start, _end, tok in tokens
        if start in after_context
        and (_is_capitalised(tok) or tok.capitalize() in first_names or tok in first_names)
    }
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        if not _starts_name(text, tokens, i, marked, first_names, surnames):
            i += 1
            continue
        stop, j = _name_end(text, tokens, i, first_names, surnames)
        out.append((tokens[i][0], stop, "namn"))
        i = j
    return out


# --- putting it together -------------------------------------------------------------------


def redact(text: str) -> Redaction:
    """Return ``text`` with personal data replaced by placeholders such as ``[NAMN]``."""
    if not text:
        return Redaction(text=text)
    identity_numbers = _find_identity_numbers(text)
    candidates = identity_numbers + _find_contacts(text) + _find_names(text, identity_numbers)
    candidates.sort(key=lambda c: (_PRIORITY[c[2]], c[0], -(c[1] - c[0])))
    chosen: list[tuple[int, int, str]] = []
    for start, end, kind in candidates:
        if any(start < e and s < end for s, e, _ in chosen):
            continue
        chosen.append((start, end, kind))
    chosen.sort()
    pieces: list[str] = []
    last = 0
    for start, end, kind in chosen:
        pieces.append(text[last:start])
        pieces.append(PLACEHOLDERS[kind])
        last = end
    pieces.append(text[last:])
    return Redaction(
        text="".join(pieces),
        found=[(kind, PLACEHOLDERS[kind]) for _, _, kind in chosen],
        spans=[(s, e) for s, e, _ in chosen],
    )


def redact_text(text: str | None) -> str | None:
    """Shorthand for code that only needs the redacted string (None stays None)."""
    return None if text is None else redact(text).text
