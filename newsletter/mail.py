"""The newsletter mail: one episode as HTML (inline CSS) and plain text, with unsubscribe headers.

The HTML is the episode page's stored body (columns.projections.body), with
links made absolute as for the feed, and styles written on each tag because
Gmail and Naver Mail drop most `<style>` rules. No tracking pixel, no link
rewriting: every link points where the page's link points.
"""

import re

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from columns.models import Episode
from columns.projections import body as stored_body
from columns.projections.parts import load_parts
from common.text import html_to_text
from newsletter.models import Subscriber

STYLES = {
    "h2": "font-size:18px;line-height:1.4;margin:28px 0 8px;color:#111;",
    "h3": "font-size:16px;line-height:1.5;margin:20px 0 6px;color:#111;",
    "p": "font-size:16px;line-height:1.7;margin:0 0 12px;color:#222;",
    "blockquote": "margin:8px 0 12px;padding:4px 0 4px 12px;border-left:3px solid #c9c9c9;"
    "color:#444;",
    "figure": "margin:0 0 12px;",
    "figcaption": "font-size:13px;line-height:1.5;margin:-8px 0 0 15px;color:#666;",
    "a": "color:#1a56db;text-decoration:underline;word-break:break-all;",
    "ol": "padding-left:20px;margin:0 0 12px;",
    "ul": "padding-left:20px;margin:0 0 12px;",
    "li": "font-size:15px;line-height:1.6;margin:0 0 8px;color:#222;",
}
_STYLED_TAG = re.compile(r"<(" + "|".join(STYLES) + r")(?=[\s>])")


def site_url() -> str:
    """The site's absolute address (DJANGO_SITE_URL); mails are built without a request."""
    return settings.SITE_URL or "http://127.0.0.1:8000"


def absolute(path: str) -> str:
    return site_url() + path


def inline_styles(html: str) -> str:
    return _STYLED_TAG.sub(lambda m: f'<{m[1]} style="{STYLES[m[1]]}"', html)


def unsubscribe_url(subscriber: Subscriber) -> str:
    return absolute(
        reverse(
            "newsletter:unsubscribe",
            kwargs={"slug": subscriber.series.slug, "token": subscriber.token},
        )
    )


class EpisodeMail:
    """What every subscriber's copy of one episode shares, rendered once per batch."""

    def __init__(self, episode: Episode):
        parts = load_parts([episode.pk])[0]
        self.episode = episode = parts.episode
        self.episode_url = absolute(episode.get_absolute_url())
        body = stored_body.for_feed(
            stored_body.rendered(episode).body_html, site=site_url(), page_url=self.episode_url
        )
        self.context = {
            "episode": episode,
            "series": episode.series,
            "episode_url": self.episode_url,
            "series_url": absolute(episode.series.get_absolute_url()),
            "body_html": mark_safe(inline_styles(body)),  # noqa: S308 - the stored, sanitized body
            "intro": html_to_text(episode.intro_html, lines=True),
            "articles": [
                {
                    "position": a.position,
                    "headline": a.headline,
                    "outlet": a.outlet.name,
                    "quotes": [quote.text for quote in a.quotes.all()],
                    "summary": html_to_text(a.summary_html, lines=True),
                    "url": a.url,
                }
                for a in parts.articles
            ],
            "commentary": [html_to_text(c.body_html, lines=True) for c in parts.commentary],
            "closing": html_to_text(episode.closing_html, lines=True),
        }
        self.subject = f"[{episode.series.title}] {episode.number}화 {episode.headline}"

    def message(self, *, to: str, unsubscribe: str | None, connection=None):
        """The mail for one address; `unsubscribe` None for a staff test copy."""
        context = {**self.context, "unsubscribe_url": unsubscribe}
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=render_to_string("newsletter/email/episode.txt", context),
            to=[to],
            connection=connection,
            headers=_list_headers(unsubscribe),
        )
        message.attach_alternative(
            render_to_string("newsletter/email/episode.html", context), "text/html"
        )
        return message


def _list_headers(unsubscribe: str | None) -> dict[str, str]:
    if not unsubscribe:
        return {}
    # RFC 8058: a mail client's "unsubscribe" button POSTs
    # "List-Unsubscribe=One-Click" to this URL; no login, no form.
    return {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def confirmation_message(*, subscriber: Subscriber, confirm_url: str) -> EmailMultiAlternatives:
    context = {
        "series": subscriber.series,
        "confirm_url": confirm_url,
        "days": settings.NEWSLETTER_CONFIRM_DAYS,
    }
    return EmailMultiAlternatives(
        subject=f"[{subscriber.series.title}] 구독을 확인해 주세요",
        body=render_to_string("newsletter/email/confirm.txt", context),
        to=[subscriber.email],
    )
