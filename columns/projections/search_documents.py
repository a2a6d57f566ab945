"""Each episode's search document: its text folded for Korean substring matching.

Built by `columns.projections.refresh` from the same loaded rows as the
stored body; read by `columns.search`. docs/search.md says why folded
substrings rather than a stemmer.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from columns.models import EpisodeSearchDocument
from columns.projections.parts import EpisodeParts
from common.text import PART_SEPARATOR, fold, fold_parts, html_to_text

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class ArticleText:
    position: int
    headline: str
    outlet: str
    summary_html: str
    # The article's quotes, plain text, in order (a default for the migration that
    # filled the table before quotes had rows of their own).
    quotes: Sequence[str] = ()


def build_document(
    *,
    headline: str,
    subtitle: str,
    keywords: Sequence[str],
    intro_html: str,
    articles: Sequence[ArticleText],
    commentary_html: Sequence[str],
    closing_html: str,
    series_title: str = "",
    number: int | None = None,
) -> dict[str, str]:
    """The search document's columns for one episode, from plain values (no queries).

    Plain values rather than model instances, so the migration that fills the
    table can call it with historical models. The series title and `48화` are
    searchable (so `시리즈명 48` narrows to that series, and `48화` is found
    through the trigram index) but rank like body text.
    """
    passage_parts = [subtitle, html_to_text(intro_html)]
    for article in articles:
        passage_parts.append(f"{article.position}. {article.headline} -{article.outlet}-")
        passage_parts.extend(f"“{quote}”" for quote in article.quotes)  # as the page shows them
        passage_parts.append(html_to_text(article.summary_html))
    passage_parts.extend(html_to_text(body) for body in commentary_html)
    passage_parts.append(html_to_text(closing_html))
    passage_parts = [
        _SPACES.sub(" ", unicodedata.normalize("NFC", part)).strip() for part in passage_parts
    ]
    passage_parts = [part for part in passage_parts if part]
    lead = [subtitle, *(a.headline for a in articles), *(a.outlet for a in articles)]
    return {
        "folded_headline": fold(headline),
        "folded_keywords": fold_parts(keywords),
        "folded_lead": fold_parts(lead),
        "folded_document": fold_parts(
            [headline, *keywords, *passage_parts, series_title, f"{number}화" if number else ""]
        ),
        "passage_text": PART_SEPARATOR.join(passage_parts),
    }


def document_for(parts: EpisodeParts) -> EpisodeSearchDocument:
    episode = parts.episode
    fields = build_document(
        headline=episode.headline,
        subtitle=episode.subtitle,
        keywords=sorted(tag.name for tag in parts.keywords),
        intro_html=episode.intro_html,
        articles=[
            ArticleText(
                a.position,
                a.headline,
                a.outlet.name,
                a.summary_html,
                quotes=[q.text for q in a.quotes.all()],
            )
            for a in parts.articles
        ],
        commentary_html=[c.body_html for c in parts.commentary],
        closing_html=episode.closing_html,
        series_title=episode.series.title,
        number=episode.number,
    )
    return EpisodeSearchDocument(
        episode=episode, keywords=[[tag.name, tag.slug] for tag in parts.keywords], **fields
    )


_DOCUMENT_FIELDS = [
    "folded_headline",
    "folded_keywords",
    "folded_lead",
    "folded_document",
    "passage_text",
    "keywords",
    "updated_at",
]


def store_documents(loaded: list[EpisodeParts]) -> None:
    """Write these episodes' search documents (one query)."""
    if loaded:
        EpisodeSearchDocument.objects.bulk_create(
            [document_for(parts) for parts in loaded],
            update_conflicts=True,
            unique_fields=["episode"],
            update_fields=_DOCUMENT_FIELDS,
        )
