"""The rules a reader's comment is judged by, before anyone reads it.

Three outcomes, in this order: refused (the reader sees an error and nothing
is stored), held for a moderator, or accepted as written. Blocked words send
a comment straight to spam.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

MAX_BODY_LENGTH = 5_000

# Characters that draw nothing: Hangul and Braille blank fillers that survive
# str.isspace() and are the usual way to post an "empty" comment.
BLANK_FILLERS = frozenset("\u3164\u2800\u115f\u1160\uffa0\u180e")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
ALLOWED_CONTROLS = frozenset("\t\n\r")

LINK_PATTERN = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']+")
HOLD_LINK_COUNT = 3

# Korean attaches particles to words: a blocked "바보" must catch "바보가" and
# "바보야", but not a longer word that merely contains it.
PARTICLES = (
    "이|가|은|는|을|를|의|에|에게|께|한테|에서|로|으로|와|과|랑|이랑|도|만|야|아|여|"
    "이다|다|요|이요|이야|처럼|보다|까지|부터|조차|마저|들|들이|들은|들아|라|이라|"
    "같은|같이|님|씨|새끼|놈|년"
)
WORD_CHAR = r"[0-9A-Za-z\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]"


@dataclass(frozen=True)
class Verdict:
    refusal: str = ""
    hold_reasons: tuple[str, ...] = ()
    blocked: bool = False


def is_visually_empty(text: str) -> bool:
    return not any(
        not ch.isspace() and ch not in BLANK_FILLERS and unicodedata.category(ch) != "Cf"
        for ch in text
    )


def refusal_reason(text: str) -> str:
    """Why this text cannot be stored at all ("" when it can)."""
    if "\x00" in text:
        return _("보이지 않는 NUL 문자가 들어 있어 저장할 수 없습니다. 글을 다시 붙여 넣어 주세요.")
    if len(text.strip()) > MAX_BODY_LENGTH:
        return _("댓글은 %(limit)s자까지 쓸 수 있습니다(지금 %(length)s자).") % {
            "limit": f"{MAX_BODY_LENGTH:,}",
            "length": f"{len(text.strip()):,}",
        }
    if is_visually_empty(text):
        return _("내용이 비어 있습니다. 보이는 글자를 적어 주세요.")
    return ""


def count_links(text: str) -> int:
    return len(LINK_PATTERN.findall(text))


def hold_reasons(text: str) -> tuple[str, ...]:
    """Why a moderator must look first, even for a trusted commenter."""
    reasons = []
    if count_links(text) >= HOLD_LINK_COUNT:
        reasons.append(_("링크 %(count)d개") % {"count": count_links(text)})
    chars = set(text)
    if chars & BIDI_CONTROLS:
        reasons.append(_("글자 방향 제어 문자"))
    if any(unicodedata.category(ch) == "Cc" and ch not in ALLOWED_CONTROLS for ch in chars):
        reasons.append(_("제어 문자"))
    if chars & ZERO_WIDTH:
        reasons.append(_("폭 없는 문자"))
    return tuple(reasons)


def blocked_word_pattern(words) -> re.Pattern | None:
    words = [w.strip() for w in words if w and w.strip()]
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(
        rf"(?<!{WORD_CHAR})(?:{alternatives})(?:{PARTICLES})?(?!{WORD_CHAR})", re.IGNORECASE
    )


def contains_blocked_word(text: str) -> bool:
    pattern = blocked_word_pattern(settings.COMMENT_BLOCKED_WORDS)
    return bool(pattern and pattern.search(unicodedata.normalize("NFKC", text)))


def judge(*texts: str) -> Verdict:
    """The verdict on a comment's body (first) and the other fields the reader wrote."""
    body = texts[0]
    refusal = refusal_reason(body)
    if refusal:
        return Verdict(refusal=refusal)
    return Verdict(
        hold_reasons=tuple(r for t in texts for r in hold_reasons(t)),
        blocked=any(contains_blocked_word(t) for t in texts),
    )
