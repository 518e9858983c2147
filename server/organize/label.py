"""Group names: prompts a tiny chat model can follow, cleaning, validation, and a fallback."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..llamafile.protocols import ChatRequest
from . import prepare

MAX_WORDS = 4
# The most central notes only. A 135M model names what its first few lines share, so a group's
# stray notes (k-means groups of sentence-like notes are rarely pure) pull its answer off topic.
# Measured over 8 seeds with 3/4/5/6 notes, label_good: retro 0.86/0.74/0.67/0.67, a product
# feedback set of our own (bench/data) 0.44/0.42/0.30/0.42, seed list 0.857 at every count;
# fewer prompt tokens also make naming faster.
PROMPT_NOTES = 3
STOPS = ["\n", ".", ",", ";", ":", "(", "!", "?", '"']

# A tiny model answers "They are all ..." with a noun phrase wrapped in filler; these are the
# English filler words and generic heads that never name a group by themselves.
_LEAD = re.compile(
    r"^(?:(?:they|these|those|it|are|is|all|both|each|of|about|related|relating|to|part|"
    r"parts|examples|example|types|type|kinds|kind|sorts|sort|forms|form|some|many|various|"
    r"different|common|commonly|famous|well-known|popular|known|as|the|a|an|same|similar|"
    r"made|from|named|after|called|things|items|words|terms|names|used|in|for|with|"
    r"family|group|groups|category|categories|list|set|collection)\s+)+",
    re.IGNORECASE,
)
_CUT = re.compile(
    r"\s+(?:that|which|who|whom|whose|where|when|because|called|such|like|including|used|"
    r"made|named|known|found|based|"
    r"but|or|than|while|although|since|so|and\s+the|as\s+well|in\s+the|on\s+the|"
    r"for\s+the|to\s+the|at\s+the|is|are|was|were|have|has|can|will|would|should)\b.*$",
    re.IGNORECASE,
)
_TAIL = {"a", "an", "the", "of", "and", "or", "in", "on", "for", "to", "with", "at", "by",
         "from", "as", "that", "their", "its", "is", "are", "be", "this", "these"}
GENERIC = {"thing", "things", "item", "items", "stuff", "same", "topic", "topics", "issue",
           "issues", "category", "categories", "group", "groups", "list", "words", "word",
           "names", "terms", "examples", "type", "types", "kind", "kinds", "importance",
           "other", "others", "something", "everything", "various", "different", "related",
           "note", "notes", "idea", "ideas", "problem", "problems", "general", "misc"}
_PREFIX = re.compile(r"^\s*(?:label|title|name|category|topic|answer|group)\s*[:\-]\s*", re.I)


# Worked examples, as earlier chat turns: a 135M model copies the answer's shape ("They are all
# <category>.") far more reliably than it follows an instruction. Generic on purpose (words and
# sentence-like notes); the prefix is identical in every request, so the server's prompt cache
# keeps its cost near zero after the first call.
EXAMPLES = [
    (["Paris", "Tokyo", "Cairo"], "cities"),
    (["the printer jams every morning", "we ran out of paper again", "the scanner is offline"],
     "office equipment"),
    (["the bus was late twice", "parking costs too much", "the bike rack is full"], "commuting"),
]  # measured on 43 groups (true topics and k-means groups of both shared sets): 31 answers
# named the topic and none echoed an example; "hammer, saw -> tools" as an example drew
# "tools" for most groups of software notes.
EXAMPLE_LABELS = {label for _, label in EXAMPLES}
QUESTION = "What do these have in common?\n"
VARIANTS = ("examples",)  # measured: extra wordings cost time and won fewer good names
# For a base model (the chat client's `plain`): the worked examples as one document, and a
# sentence to finish, "Alpha, Beta and Gamma are examples of ...", the kind of text such a model
# has read most. Measured on Gemma-3-270M base (bench/README.md): either alone names 5 of the
# seed list's 7 groups, and they miss different ones, so the judge gets both.
BASE_VARIANTS = ("examples", "examples_of")


def _listing(texts: Sequence[str]) -> str:
    return "\n".join(f"- {prepare.shorten(t)}" for t in texts[:PROMPT_NOTES])


def _proper(text: str) -> str:
    """'gary numan' -> 'Gary Numan': a short all-lower-case note may be a name, and a base
    model knows names by their capitals (lower case, it took the musicians for 'the 1960s')."""
    return text.title() if len(text.split()) <= 3 and text == text.lower() else text


def _sentence(texts: Sequence[str]) -> str:
    items = [_proper(prepare.shorten(t)) for t in texts[:PROMPT_NOTES]]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def prompt(texts: Sequence[str], variant: str = "examples") -> ChatRequest:
    """One request for a group's name; `texts` most central first."""
    if variant == "examples":
        messages = []
        for items, label in EXAMPLES:
            messages.append({"role": "user", "content": QUESTION + _listing(items)})
            messages.append({"role": "assistant", "content": f"They are all {label}."})
        messages.append({"role": "user", "content": QUESTION + _listing(texts)})
        return ChatRequest(messages, "They are all", 8, stop=STOPS)
    if variant == "category":
        content = f"Items:\n{_listing(texts)}\nWhat category do all these items belong to?"
        prefill = 'They all belong to the category of "'
        return ChatRequest([{"role": "user", "content": content}], prefill, 8, stop=STOPS)
    if variant == "about":
        content = QUESTION + _listing(texts)
        return ChatRequest([{"role": "user", "content": content}], "They are all about", 8,
                           stop=STOPS)
    if variant == "examples_of":
        # No turns: only for a plain (base-model) client, which sends the prefill as the text.
        return ChatRequest([], f"{_sentence(texts)} are examples of", 12, stop=STOPS)
    raise ValueError(f"unknown prompt variant {variant!r}")


def prompts(texts: Sequence[str], variants: Sequence[str] = VARIANTS) -> list[ChatRequest]:
    """Differently worded requests for one group's name: several candidates, judged later."""
    return [prompt(texts, v) for v in variants]


def clean(raw: str) -> str:
    """The head noun phrase of a model's answer, at most four words, or '' if none."""
    text = _PREFIX.sub("", raw.strip().splitlines()[0] if raw.strip() else "")
    # Base models continue with markup they read on the web ("<strong><em>Beta</em>").
    text = re.sub(r"<[^<>]*>?", " ", text)
    text = re.sub(r"[\"'`*_#\u201c\u201d\u2018\u2019\[\]{}<>]", " ", text)
    text = re.split(r"[.,;:!?()]", text)[0]
    # Filler first ("related to the ..."), then the clause that trails the head noun phrase.
    text = _LEAD.sub("", text.strip()).strip()
    text = _CUT.sub("", " " + text).strip()
    text = _LEAD.sub("", text).strip()
    words = [w for w in text.split() if re.search(r"[A-Za-z0-9]", w)]
    words = words[:MAX_WORDS]
    while words and words[-1].lower() in _TAIL:
        words.pop()
    if not words or all(w.lower() in GENERIC or w.lower() in _TAIL for w in words):
        return ""
    if " ".join(words).lower() in EXAMPLE_LABELS:
        return ""  # the model repeated a worked example instead of answering
    return " ".join(words)


def head_word(label: str) -> str:
    """The last word of a phrase without 'of' ('planning meetings' -> 'meetings'), else ''."""
    words = label.split()
    if len(words) < 2 or "of" in (w.lower() for w in words):
        return ""
    last = words[-1]
    return "" if last.lower() in GENERIC else last


def first_conjunct(label: str) -> str:
    """'Teamwork and collaboration' -> 'Teamwork': one topic is a tighter name than two."""
    head, sep, _ = label.partition(" and ")
    return head.strip() if sep and head.strip().lower() not in GENERIC else ""


def candidates(raw: str) -> list[str]:
    """The usable labels in one answer: its cleaned phrase, its head noun, its first half."""
    phrase = clean(raw)
    first = first_conjunct(phrase)
    options = [phrase, head_word(phrase), first, head_word(first)]
    return [c for c in dict.fromkeys(options) if c]


def key(text: str) -> str:
    """Comparison form: lower case, single spaces, trailing plural 's' dropped per word."""
    words = re.sub(r"[^a-z0-9 ]+", " ", text.lower()).split()
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                    for w in words)


def is_valid(label: str, texts: Sequence[str], taken: Sequence[str] = ()) -> bool:
    """1-4 words, not one of the notes, not lifted from a note, not a name already used."""
    words = label.split()
    if not 1 <= len(words) <= MAX_WORDS or not re.search(r"[A-Za-z]", label):
        return False
    mine = key(label)
    if any(mine == key(t) for t in texts):
        return False  # a note's own text names that note, not the group
    if len(words) >= 2 and any(mine in key(t) for t in texts):
        return False
    return all(mine != key(t) for t in taken)


def tidy(label: str) -> str:
    """Display form: first letter upper case, the rest as the model wrote it."""
    label = " ".join(label.split())
    return label[:1].upper() + label[1:]
