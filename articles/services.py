"""Writes about cited articles: what the link checker saw and what the pages say.

Shared by `manage.py check_links` and anything else that checks links; the
network part lives in `articles.linkcheck`, the quote matching in `articles.quotes`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from articles.citations import read_citation
from articles.linkcheck import CheckResult, LinkChecker, Outcome, Resolver, system_resolver
from articles.models import (
    LinkHealth,
    Outlet,
    OutletDomain,
    SourceArticle,
    SourceQuote,
    SourceText,
    host_of,
)
from articles.quotes import QuoteCheck, check_quotes, readable_text
from articles.urlrules import canonicalize_url


@dataclass
class LinkReport:
    """One article after a check: its updated health and its quotes against the page."""

    article: SourceArticle
    health: LinkHealth
    quotes: list[QuoteCheck]


def link_checker_from_settings(
    *,
    resolver: Resolver | None = None,
    timeout: float | None = None,
    max_body_bytes: int | None = None,
) -> LinkChecker:
    """A checker configured by the LINKCHECK_* settings as they are right now."""
    return LinkChecker(
        timeout=timeout or settings.LINKCHECK_TIMEOUT,
        max_redirects=settings.LINKCHECK_MAX_REDIRECTS,
        user_agent=settings.LINKCHECK_USER_AGENT,
        allow_loopback=settings.LINKCHECK_ALLOW_LOOPBACK,
        max_body_bytes=max_body_bytes or settings.LINKCHECK_MAX_BODY_BYTES,
        resolver=resolver or system_resolver,
    )


_HTML_TYPES = ("text/html", "application/xhtml+xml")


@transaction.atomic
def outlet_for_citation(*, url: str, name: str) -> Outlet:
    """The outlet serving `url`'s domain; created (or found by `name`) with the domain if none.

    `url` is canonical. An outlet already named `name` gets the domain added;
    otherwise a new outlet is made, its address name (slug) from its name.
    Runs in the caller's transaction, so a refused save leaves no outlet behind.
    """
    outlet = Outlet.objects.for_url(url)
    if outlet is not None:
        return outlet
    name = " ".join(name.split())[: Outlet._meta.get_field("name").max_length]
    outlet = Outlet.objects.filter(name=name).first()
    if outlet is None:
        base = slugify(name, allow_unicode=True)[:90] or "outlet"
        slug, n = base, 1
        while Outlet.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        outlet = Outlet.objects.create(name=name, slug=slug)
    domain = OutletDomain(outlet=outlet, domain=host_of(url))
    domain.clean()
    domain.save()
    return outlet


def citation_rate_limited(*, user_id: int) -> bool:
    """Count one lookup against the editor's window; True when over CITATION_RATE_LIMIT.

    Counted in the cache. While the cache is down the count is lost and the
    lookup is allowed: only logged-in staff reach it, and each lookup is one
    bounded fetch through the guard.
    """
    limit, window = settings.CITATION_RATE_LIMIT
    key = f"citation-rate:{user_id}"
    cache.add(key, 0, timeout=window)
    try:
        attempts = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window)
        attempts = 1
    return attempts > limit


def citation_lookup(url: str, *, resolver: Resolver | None = None) -> dict:
    """Headline, outlet name and publication day of the article at `url`, read from its page.

    Returns ``{"url": canonical URL, "headline": str, "outlet": str,
    "published_on": date | None, "message": str}``; ``message`` says in Korean
    why nothing was filled (timeout, not a web page, …), or is empty. Raises
    ``ValidationError`` for a URL the rules refuse, including one that leads
    (directly or by a redirect) to an address that is not public: the link
    checker's guard refuses it before connecting. The fetch is one ``GET``
    with CITATION_TIMEOUT and at most CITATION_MAX_BODY_BYTES read. An
    outlet already known for the URL's domain gives its own name.
    """
    canonical = canonicalize_url(url)
    checker = link_checker_from_settings(
        resolver=resolver,
        timeout=settings.CITATION_TIMEOUT,
        max_body_bytes=settings.CITATION_MAX_BODY_BYTES,
    )
    result = checker.check(canonical, want_body=True)
    known = Outlet.objects.for_url(canonical)
    answer = {
        "url": canonical,
        "headline": "",
        "outlet": known.name if known else "",
        "published_on": None,
        "message": "",
    }
    if result.outcome is Outcome.REFUSED:
        raise ValidationError(result.detail or "이 주소는 가져올 수 없습니다.", code="refused")
    mime = result.content_type.split(";", 1)[0].strip().lower()
    if not result.ok:
        reason = result.detail or (f"응답 코드 {result.status}" if result.status else "")
        answer["message"] = f"기사를 읽지 못해 채우지 않았습니다: {reason}".rstrip(": ")
        return answer
    if result.body is None or (mime and mime not in _HTML_TYPES):
        answer["message"] = f"웹 페이지가 아니라서({mime or '형식 없음'}) 채우지 않았습니다."
        return answer
    citation = read_citation(result.body, result.content_type)
    if not citation.found_anything:
        answer["message"] = "페이지에서 제목이나 날짜를 찾지 못해 채우지 않았습니다."
        return answer
    answer["headline"] = citation.headline
    answer["outlet"] = answer["outlet"] or citation.outlet
    answer["published_on"] = citation.published_on
    return answer


def articles_due_for_check(
    *,
    episode_ids: Iterable[int] | None = None,
    stale_after: timedelta | None = None,
    now: datetime | None = None,
) -> QuerySet[SourceArticle]:
    """Articles to check: all, or those of some episodes, or those not checked lately.

    An article never checked, or whose URL changed since its last check, is always due.
    """
    articles = SourceArticle.objects.all()
    if episode_ids is not None:
        articles = articles.filter(episode_id__in=list(episode_ids))
    if stale_after is not None:
        cutoff = (now or timezone.now()) - stale_after
        articles = articles.filter(
            Q(health__isnull=True) | Q(health__checked_at__lt=cutoff) | ~Q(health__url=F("url"))
        )
    return articles


@transaction.atomic
def link_check_record(
    *,
    article: SourceArticle,
    result: CheckResult,
    now: datetime,
    page: tuple[str, str] | None = None,
) -> LinkHealth:
    """Write down one check of `article`'s URL, and the page's text if it was fetched.

    The previous record is continued only if it was about the same URL: an
    edited address starts with a clean slate. `page` is ``(text, charset)``.
    """
    health = LinkHealth.objects.select_for_update().filter(article=article).first()
    if health is None or health.url != result.url:
        health = LinkHealth(pk=health.pk if health else None, article=article, url=result.url)
    health.result = LinkHealth.Result(result.outcome.value)
    health.status_code = result.status
    health.detail = result.detail[:300]
    health.checked_at = now
    health.final_url = result.final_url[: SourceArticle._meta.get_field("url").max_length]
    health.moved_to = result.moved_to[: LinkHealth._meta.get_field("moved_to").max_length]
    health.redirects = [{"status": status, "url": url} for status, url in result.redirects]
    if result.ok:
        health.consecutive_failures = 0
        health.last_ok_at = now
    else:
        health.consecutive_failures += 1
    entry = {
        "at": now.isoformat(),
        "result": health.result.value,
        "status": result.status,
        "detail": health.detail,
    }
    health.history = [entry, *health.history][: settings.LINKCHECK_HISTORY_LENGTH]
    health.save()
    if page is not None:
        text, charset = page
        SourceText.objects.update_or_create(
            article=article,
            defaults={"url": result.url, "text": text, "charset": charset, "fetched_at": now},
        )
    return health


@transaction.atomic
def quotes_replace(
    *, article: SourceArticle, texts: Sequence[str], stored: Sequence[SourceQuote] | None = None
) -> bool:
    """Make the article's quotes exactly `texts`, in order; True if anything changed.

    Rows are kept by place: the first stored quote becomes the first text, and
    so on; extra rows are deleted and missing ones created. Positions come out
    1, 2, 3 … and never clash on the way (renumbering only moves rows down).
    Every write is a model save or delete, so its episode's derived data is
    marked as for any other part (`columns.projections`). `stored` is the
    article's current quotes in order, when already loaded.
    """
    if stored is None:
        stored = list(article.quotes.all()) if article.pk else []
    stored = sorted(stored, key=lambda q: q.position)
    changed = False
    for quote in stored[len(texts) :]:
        quote.delete()
        changed = True
    for position, text in enumerate(texts, start=1):
        if position <= len(stored):
            quote = stored[position - 1]
            if (quote.position, quote.text) != (position, text):
                quote.position, quote.text = position, text
                quote.save(update_fields=["position", "text"])
                changed = True
        else:
            SourceQuote.objects.create(article=article, position=position, text=text)
            changed = True
    return changed


def stored_page_text(article: SourceArticle) -> str | None:
    """The last fetched text of the article's current URL, or None. One query."""
    return (
        SourceText.objects.filter(article=article, url=article.url)
        .values_list("text", flat=True)
        .first()
    )


def _quote_texts(article: SourceArticle) -> list[str]:
    """The article's quotes in order (no query when `quotes` is prefetched)."""
    return [quote.text for quote in article.quotes.all()]


def _wants_body(article: SourceArticle, refresh_before: datetime) -> bool:
    """Fetch the page itself (GET) only when there are quotes and no recent text."""
    if not _quote_texts(article):
        return False
    try:
        stored = article.source_text
    except SourceText.DoesNotExist:
        return True
    return stored.url != article.url or stored.fetched_at < refresh_before


def check_links(
    *,
    articles: QuerySet[SourceArticle],
    concurrency: int | None = None,
    checker: LinkChecker | None = None,
    now: datetime | None = None,
    on_report: Callable[[LinkReport], None] | None = None,
) -> list[LinkReport]:
    """Check every given article's URL, record the results and check the quotes.

    Each distinct URL is requested once even when several episodes cite it.
    The network work runs in threads; every database write happens here, in
    the caller's thread.
    """
    now = now or timezone.now()
    checker = checker or link_checker_from_settings()
    concurrency = concurrency or settings.LINKCHECK_CONCURRENCY
    refresh_before = now - timedelta(days=settings.LINKCHECK_TEXT_REFRESH_DAYS)
    by_url: dict[str, list[SourceArticle]] = defaultdict(list)
    for article in (
        articles.select_related("episode__series", "health", "source_text")
        .defer("source_text__text")
        .prefetch_related("quotes")  # in order: SourceQuote.Meta.ordering
        .order_by("pk")
    ):
        by_url[article.url].append(article)
    jobs = [
        (url, any(_wants_body(a, refresh_before) for a in group)) for url, group in by_url.items()
    ]

    # Readers see a link's health only as the archived-copy offer, which the
    # derived-data pipeline follows from each LinkHealth save (columns.projections).
    reports = []
    for url, result in checker.check_many(jobs, concurrency=concurrency):
        page = None
        if result.body is not None:
            page = readable_text(
                result.body, result.content_type, max_chars=settings.LINKCHECK_MAX_TEXT_CHARS
            )
        for article in by_url[url]:
            health = link_check_record(article=article, result=result, now=now, page=page)
            quotes = _quote_texts(article)
            if page is not None:
                text = page[0]
            else:  # not fetched this time (or not text): the last copy, if any
                text = stored_page_text(article) if quotes else None
            report = LinkReport(article, health, check_quotes(quotes, text))
            reports.append(report)
            if on_report is not None:
                on_report(report)
    return reports
