"""Public pages: thin views over the published-only querysets in columns.models."""

from functools import cached_property

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST, require_safe
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from articles.models import Outlet
from columns import pagecache, projections, search, seo, services, sharecards
from columns.forms import CommentForm
from columns.media import immutable
from columns.models import Episode, RenderedEpisode, Series, published_filter
from columns.projections import body as stored_body
from common.http import client_ip


class PublicEpisodeListMixin:
    """Every public list of episodes: published only, newest first, paginated.

    Lists show published episodes even to staff; previews of drafts and
    scheduled episodes happen on the episode page itself.
    """

    paginate_by = settings.EPISODES_PER_PAGE
    context_object_name = "episodes"

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # BaseListView.get would first ask the database whether a list that must
        # not be empty (allow_empty = False) has anything at all; the paginator's
        # count already tells, and its empty first page is the same 404.
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data())

    def published_episodes(self):
        return (
            Episode.objects.published()
            .select_related("series")
            .with_stored_cards("series__title", "series__slug")
            .order_by("-publish_at", "-number")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # For the page cache: which episodes are listed, and what their cards show.
        episodes = context["episodes"]
        # Cards stored before a deploy changed their template are drawn for this
        # reader and stored again for the next, as episode pages are.
        if stale := [e.pk for e in episodes if stored_body.stored_card(e) is None]:
            projections.refresh({pk: {projections.BODY} for pk in stale})
        pagecache.page_shows(
            self.request,
            pagecache.LISTS,
            *(pagecache.card_tag(e.pk) for e in episodes),
            *{pagecache.series_tag(e.series_id) for e in episodes},
        )
        return context


class HomeView(PublicEpisodeListMixin, ListView):
    template_name = "columns/home.html"

    def get_queryset(self):
        return self.published_episodes()


class SeriesListView(ListView):
    template_name = "columns/series_list.html"
    context_object_name = "series_list"
    paginate_by = settings.EPISODES_PER_PAGE

    def get_queryset(self):
        published = published_filter("episodes__")
        return (
            Series.objects.annotate(
                published_count=Count("episodes", filter=published),
            )
            .filter(published_count__gt=0)
            .order_by("title")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pagecache.page_shows(
            self.request,
            pagecache.LISTS,
            *(pagecache.series_tag(s.pk) for s in context["series_list"]),
        )
        return context


class SeriesEpisodesPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        # `number >= 1` always holds (episode_number_positive); the range on number
        # lets SQLite count from the (series, number) index alone (0.4 ms, not 2).
        # Only the count: a page reads the (series, -number, …) index better without.
        return self.object_list.filter(number__gte=1).count()


class SeriesDetailView(PublicEpisodeListMixin, ListView):
    template_name = "columns/series_detail.html"
    paginator_class = SeriesEpisodesPaginator

    def get_queryset(self):
        self.series = get_object_or_404(Series, slug=self.kwargs["slug"])
        # Through the series' own manager: every card gets this series without a
        # join, which lets the database walk its (series, number) index for pages.
        return self.series.episodes.published().with_stored_cards().order_by("-number")

    def get_context_data(self, **kwargs):
        # Its title even when no card lists the series (only drafts so far).
        pagecache.page_shows(self.request, pagecache.series_tag(self.series.pk))
        # The series' brunchbooks (one query; a series has a handful).
        volumes = list(self.series.volumes.order_by("number"))
        return super().get_context_data(series=self.series, volumes=volumes, **kwargs)


class KeywordView(PublicEpisodeListMixin, ListView):
    template_name = "columns/keyword.html"
    allow_empty = False  # a keyword only drafts carry is not a public page

    def get_queryset(self):
        self.keyword = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return self.published_episodes().filter(keywords=self.keyword)

    def get_context_data(self, **kwargs):
        pagecache.page_shows(self.request, pagecache.keyword_tag(self.keyword.pk))
        return super().get_context_data(keyword=self.keyword, **kwargs)


class OutletView(PublicEpisodeListMixin, ListView):
    template_name = "columns/outlet.html"
    allow_empty = False  # an outlet cited only in drafts is not a public page

    def get_queryset(self):
        self.outlet = get_object_or_404(Outlet, slug=self.kwargs["slug"])
        return self.published_episodes().filter(articles__outlet=self.outlet).distinct()

    def get_context_data(self, **kwargs):
        pagecache.page_shows(self.request, pagecache.outlet_tag(self.outlet.pk))
        return super().get_context_data(outlet=self.outlet, **kwargs)


class EpisodeDetailView(DetailView):
    """One episode, whole; staff may preview drafts and scheduled episodes."""

    template_name = "columns/episode_detail.html"
    context_object_name = "episode"

    def get_queryset(self):
        # The parts and comments come rendered beside the row (columns.projections.body).
        return (
            Episode.objects.visible_to(
                self.request.user,
                series__slug=self.kwargs["series_slug"],
                number=self.kwargs["number"],
            )
            .select_related("series", "rendered")  # the header, with the volume, is stored
            .defer("intro", "intro_html", "closing", "closing_html")  # in the rendered body
            # The stored card and feed entries: the page shows neither, and the
            # feed entries alone are twice the size of the body.
            .defer(*(f"rendered__{part}" for part in RenderedEpisode.NOT_ON_THE_PAGE))
        )

    def get_object(self, queryset=None):
        return get_object_or_404(queryset if queryset is not None else self.get_queryset())

    def get_context_data(self, **kwargs):
        episode = self.object
        kwargs.setdefault("comment_form", CommentForm())
        stored = stored_body.rendered(episode)
        # "이 기사를 인용한 다른 화": published episodes only (even for staff); one
        # query, run only when another episode cites one of these articles at all.
        cited_elsewhere = [c["url"] for c in stored.citations if c["cited_elsewhere"]]
        citing = (
            Episode.objects.citing(cited_elsewhere, excluding_episode=episode)
            if cited_elsewhere
            else {}
        )
        body = stored_body.with_cited_elsewhere(
            stored.body_html,
            {cited["position"]: citing.get(cited["url"]) for cited in stored.citations},
        )
        previous_episode, next_episode = episode.published_neighbours()
        pagecache.page_shows(
            self.request,
            pagecache.episode_tag(episode.pk),
            pagecache.series_tag(episode.series_id),
            pagecache.series_episodes_tag(episode.series_id),
            *(pagecache.card_tag(e.pk) for e in (previous_episode, next_episode) if e),
        )
        if cited_elsewhere:  # who else cites changes as other episodes are published
            pagecache.page_shows(
                self.request,
                pagecache.LISTS,
                *(pagecache.card_tag(e.pk) for listed in citing.values() for e in listed),
                # Their titles and addresses carry their series' title and slug.
                *{pagecache.series_tag(e.series_id) for listed in citing.values() for e in listed},
            )
        # Both rendered from sanitized parts and escaped fields (columns.projections.body).
        return super().get_context_data(
            stored_parts=stored_body.page_parts(stored, seo.site_origin(self.request)),
            body=mark_safe(body),  # noqa: S308
            comment_list=mark_safe(stored.comments_html),  # noqa: S308
            is_preview=not episode.is_published(),
            previous_episode=previous_episode,
            next_episode=next_episode,
            **kwargs,
        )


@require_POST
def comment_post(request: HttpRequest, series_slug: str, number: int) -> HttpResponse:
    """Post/redirect/get for a reader's comment; a refused one re-shows the page with errors."""
    episode = get_object_or_404(
        Episode.objects.published().select_related("series"),
        series__slug=series_slug,
        number=number,
    )
    if not episode.comments_enabled:
        return render(request, "columns/comments_closed.html", {"episode": episode}, status=403)

    ip = client_ip(request)
    if services.comment_rate_limited(ip_hash=services.sender_fingerprint(ip)):
        # The reader's words come back in a form they can send again later.
        return render(
            request,
            "columns/comment_rate_limited.html",
            {"episode": episode, "comment_form": CommentForm(request.POST)},
            status=429,
        )

    form = CommentForm(request.POST)
    if not form.is_valid():
        view = EpisodeDetailView()
        view.setup(request, series_slug=series_slug, number=number)
        view.object = view.get_object()
        context = view.get_context_data(object=view.object, comment_form=form)
        return view.render_to_response(context, status=400)

    comment = services.comment_submit(
        episode=episode,
        name=form.cleaned_data["name"],
        email=form.cleaned_data["email"],
        body=form.cleaned_data["body"],
        ip=ip,
        user_agent=request.headers.get("User-Agent", ""),
        is_bot=form.is_bot,
    )
    if comment.status == comment.Status.APPROVED:
        messages.success(request, "댓글이 등록되었습니다.")
    else:
        messages.success(request, "댓글을 받았습니다. 운영진이 확인한 뒤에 공개됩니다.")
    # To the comments, which open with the confirmation and the form (includes/comments.html).
    return redirect(f"{episode.get_absolute_url()}#comments")


class SearchView(ListView):
    """검색: published episodes holding every term the reader typed, best match first.

    `series=<slug>` searches one series. Two queries for a page of results
    (count, one page with each result's series and search document, which
    carries its keywords). The count reaches 9 pages past the page read
    (columns.search.COUNT_PAGES_AHEAD); when more match than that, the page
    is read in tiers (columns.search.SearchResults): three queries, four when
    it reaches the plain matches. Plus an EXISTS or two for each term that may carry a particle
    (columns.search.resolve); an empty or fruitless search adds two for its
    suggestions. A bad page number shows the nearest page.
    """

    template_name = "columns/search.html"
    context_object_name = "episodes"
    paginate_by = settings.EPISODES_PER_PAGE
    paginator_class = search.SearchPaginator

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        slug = request.GET.get("series", "").strip()
        self.series_slug = slug
        self.series = Series.objects.filter(slug=slug).first() if slug else None
        self.query = search.resolve(
            search.ReaderQuery.parse(request.GET.get("q")), series=self.series
        )
        response = super().get(request, *args, **kwargs)
        response.headers["X-Robots-Tag"] = "noindex"
        return response

    def get_queryset(self):
        pagecache.page_shows(self.request, pagecache.SEARCH, pagecache.LISTS)
        return search.SearchResults.for_page(
            self.query, self.request.GET.get(self.page_kwarg), self.paginate_by, series=self.series
        )

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        results = search.present(context["episodes"], self.query)
        context.update(
            query=self.query,
            series=self.series,
            unknown_series=bool(self.series_slug) and self.series is None,
            max_query_length=search.MAX_QUERY_LENGTH,
            max_terms=search.MAX_TERMS,
            results=results,
            suggestions=None if results else search.suggestions(series=self.series),
        )
        return context


def _card_response(card: sharecards.Card, name: str, draw) -> HttpResponse:
    """The card's picture; an outdated name goes to the current one (old shares keep working)."""
    if name != card.path.rsplit("-", 1)[-1]:
        return redirect(card.path)
    stored = sharecards.stored(card, draw)
    return immutable(FileResponse(default_storage.open(stored, "rb"), content_type=card.mime))


@require_safe
def episode_card(request: HttpRequest, series_slug: str, number: int, name: str) -> HttpResponse:
    """An episode's share card: published episodes only, for everyone (staff too)."""
    episode = get_object_or_404(
        Episode.objects.published()
        .select_related("series")
        .only(
            "number", "headline", "cover", "series__title", "series__slug", "series__author_name"
        ),
        series__slug=series_slug,
        number=number,
    )
    return _card_response(
        sharecards.episode_card(episode), name, lambda: sharecards.draw_episode(episode)
    )


@require_safe
def series_card(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    series = get_object_or_404(Series, slug=slug)
    return _card_response(
        sharecards.series_card(series), name, lambda: sharecards.draw_series(series)
    )


@require_safe
def site_card(request: HttpRequest, name: str) -> HttpResponse:
    return _card_response(sharecards.site_card(), name, sharecards.draw_site)


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, where browsers and crawlers look first: the icon in static files."""
    return redirect(static("favicon.ico"), permanent=True)
