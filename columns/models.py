import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from articles.models import SourceArticle
from columns import images
from common.markup import MarkdownField, render_markdown, render_plain_text
from common.models import RemembersLoadedValues

COVER_ALT_MISSING = _(
    "표지 이미지를 설명하는 대체 텍스트를 적어 주세요(화면 낭독기와 공유 미리보기에 쓰입니다)."
)


def _cover_fields():
    """`cover`, `cover_alt` and `cover_renditions`, the same on a series and an episode."""
    return (
        models.ImageField(
            _("표지 이미지"),
            upload_to=images.upload_to,
            blank=True,
            max_length=200,
            validators=[images.validate_cover_image],
            help_text=_("JPEG, PNG, WebP. 위치 정보 등 메타데이터는 지우고 저장합니다."),
        ),
        models.CharField(
            _("표지 대체 텍스트"),
            max_length=300,
            blank=True,
            help_text=_("이미지에 무엇이 보이는지 한 문장으로. 표지를 올리면 꼭 적어야 합니다."),
        ),
        # Made once per cover by columns.images; pages only read it.
        models.JSONField(default=dict, blank=True, editable=False),
    )


def _cover_has_alt(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(cover="") | ~Q(cover_alt=""),
        name=name,
        violation_error_message=COVER_ALT_MISSING,
    )


def _cover_alt_errors(owner) -> dict:
    owner.cover_alt = (owner.cover_alt or "").strip()
    if owner.cover and not owner.cover_alt:
        return {"cover_alt": ValidationError(COVER_ALT_MISSING, code="required")}
    return {}


class Series(RemembersLoadedValues):
    remembered_fields = ("author_name", "title", "slug")

    title = models.CharField(_("제목"), max_length=200)
    slug = models.SlugField(_("주소 이름"), max_length=200, unique=True, allow_unicode=True)
    description = MarkdownField(_("소개"), blank=True)
    description_html = models.TextField(editable=False, blank=True)
    author_name = models.CharField(_("필명"), max_length=100)
    cover, cover_alt, cover_renditions = _cover_fields()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("작성자 계정"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="series",
    )
    created_at = models.DateTimeField(_("만든 때"), auto_now_add=True)
    updated_at = models.DateTimeField(_("고친 때"), auto_now=True)

    class Meta:
        verbose_name = _("연재")
        verbose_name_plural = _("연재")
        ordering = ["title"]
        constraints = [_cover_has_alt("series_cover_has_alt")]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        if errors := _cover_alt_errors(self):
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.description_html = render_markdown(self.description)
        images.store_cover(self, folder="series")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        # Remembered for the slug it was made from: every card of a series page
        # links to the same loaded series, and reversing is most of a card's cost.
        remembered = self.__dict__.get("_url_for_slug")
        if remembered is None or remembered[0] != self.slug:
            remembered = (self.slug, reverse("columns:series", kwargs={"slug": self.slug}))
            self.__dict__["_url_for_slug"] = remembered
        return remembered[1]


class Volume(models.Model):
    """A brunchbook: a numbered volume grouping some of a series' episodes."""

    series = models.ForeignKey(
        Series, verbose_name=_("연재"), on_delete=models.CASCADE, related_name="volumes"
    )
    number = models.PositiveSmallIntegerField(_("권 번호"))
    title = models.CharField(_("책 제목"), max_length=200)

    class Meta:
        verbose_name = _("브런치북(권)")
        verbose_name_plural = _("브런치북(권)")
        ordering = ["series", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "number"], name="volume_unique_number_per_series"
            ),
        ]

    def __str__(self) -> str:
        return self.title


# What an episode card in a list shows (templates/includes/episode_card.html).
EPISODE_CARD_FIELDS = (
    "number",
    "headline",
    "subtitle",
    "publish_at",
    "series_id",
    "cover",
    "cover_alt",
    "cover_renditions",
)


def published_filter(prefix: str = "", now=None) -> Q:
    """The one rule for what readers may see: published, and its time has come.

    `prefix` reaches episodes from another model (`"episodes__"` from a
    series, `"articles__episode__"` from an outlet). `Episode.is_published` is
    the same rule for one loaded row.
    """
    return Q(
        **{
            f"{prefix}status": Episode.Status.PUBLISHED,
            f"{prefix}publish_at__lte": now or timezone.now(),
        }
    )


class EpisodeQuerySet(models.QuerySet):
    def published(self, now=None):
        """Episodes a reader may see: published and whose time has come."""
        return self.filter(published_filter(now=now))

    def scheduled(self, now=None):
        """Published episodes whose time has not come yet (invisible until then)."""
        return self.filter(status=Episode.Status.PUBLISHED, publish_at__gt=now or timezone.now())

    def citing(self, urls, *, excluding_episode, now=None) -> dict[str, list["Episode"]]:
        """``{url: [episode, …]}``: other published episodes citing these URLs, newest first.

        Like `in_bulk`, a dict rather than a queryset; one query. It looks
        articles up by URL alone (an index) and leaves unpublished episodes
        out in Python with `is_published`: a URL is cited a handful of times,
        while a published filter in SQL tempts the planner to walk the archive.
        """
        now = now or timezone.now()
        citing: dict[str, list[Episode]] = {}
        for other in (
            SourceArticle.objects.citing_urls(urls, excluding_episodes={excluding_episode.pk})
            .select_related("episode__series")
            .only(
                "url",
                *(f"episode__{name}" for name in ("number", "headline", "status", "publish_at")),
                "episode__series__title",
                "episode__series__slug",
            )
            .order_by("-episode__publish_at", "-episode__number")
        ):
            if other.episode.is_published(now):
                citing.setdefault(other.url, []).append(other.episode)
        return citing

    def visible_to(self, user, **lookups):
        """Everything for staff (previews), published episodes for everyone else.

        `lookups` join the same filter() (one clone of the query, not two).
        """
        if user.is_authenticated and user.is_staff:
            return self.filter(**lookups)
        return self.filter(published_filter(), **lookups)

    def as_cards(self):
        """Only what an episode card in a list shows: lists never load the long texts."""
        return self.select_related("series").only(
            *EPISODE_CARD_FIELDS, "series__title", "series__slug"
        )

    def with_stored_cards(self, *fields: str):
        """Only the card fields (and `fields`), and each card as stored (one more query).

        The public lists draw the stored card (columns.templatetags.cards);
        these fields are what a card out of date is drawn from instead. The
        cards come in a second query for the page's episodes only: joined in,
        a far page's OFFSET would read the card of every episode it skips
        (1.5 ms on the last of 100 pages, against 0.2 ms).
        """
        return self.only(*EPISODE_CARD_FIELDS, *fields).prefetch_related(
            models.Prefetch(
                "rendered",
                queryset=RenderedEpisode.objects.only("episode_id", "card_html", "version"),
            )
        )


@reversion.register(exclude=("edit_version", "corrected_at"), follow=("articles", "commentary"))
class Episode(RemembersLoadedValues):
    # What other pages show of it (columns.projections.triggers compares them).
    remembered_fields = ("series_id", "number", "headline", "subtitle", "status", "publish_at")

    class Status(models.TextChoices):
        DRAFT = "draft", _("초안")
        PUBLISHED = "published", _("발행")

    series = models.ForeignKey(
        Series, verbose_name=_("연재"), on_delete=models.PROTECT, related_name="episodes"
    )
    number = models.PositiveIntegerField(_("회차"), help_text=_("제목에 붙는 연재 번호(예: 48화)"))
    volume = models.ForeignKey(
        Volume,
        verbose_name=_("브런치북(권)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="episodes",
    )
    volume_position = models.PositiveSmallIntegerField(
        _("권 안의 순서"), null=True, blank=True, help_text=_("브런치북 안에서 몇 번째 글인지")
    )
    headline = models.CharField(_("제목"), max_length=200)
    subtitle = models.CharField(_("부제"), max_length=300, blank=True)
    intro = MarkdownField(_("들어가는 말"), blank=True)
    intro_html = models.TextField(editable=False, blank=True)
    closing = MarkdownField(_("맺음말"), blank=True)
    closing_html = models.TextField(editable=False, blank=True)
    keywords = TaggableManager(_("키워드"), blank=True, help_text=_("쉼표로 구분합니다."))
    status = models.CharField(
        _("상태"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    publish_at = models.DateTimeField(
        _("발행 시각"),
        null=True,
        blank=True,
        help_text=_("미래 시각이면 그때 공개됩니다(예약 발행). 비워 두고 발행하면 지금입니다."),
    )
    comments_enabled = models.BooleanField(_("댓글 받기"), default=True)
    cover, cover_alt, cover_renditions = _cover_fields()
    created_at = models.DateTimeField(_("만든 때"), auto_now_add=True)
    updated_at = models.DateTimeField(_("고친 때"), auto_now=True)
    # Renewed by every save of the episode or any of its parts (columns.revisions):
    # a form made before the last save carries an older number and is refused.
    edit_version = models.PositiveIntegerField(_("편집 판"), default=1, editable=False)
    # The latest correction (정정) readers see; the feed's and JSON-LD's modified time.
    corrected_at = models.DateTimeField(_("마지막 정정"), null=True, blank=True, editable=False)

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("회차")
        verbose_name_plural = _("회차")
        ordering = ["series", "-number"]
        get_latest_by = "publish_at"
        constraints = [
            models.UniqueConstraint(
                fields=["series", "number"], name="episode_unique_number_per_series"
            ),
            models.UniqueConstraint(
                fields=["volume", "volume_position"],
                condition=Q(volume__isnull=False, volume_position__isnull=False),
                name="episode_unique_position_per_volume",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="episode_number_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published"]), name="episode_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(publish_at__isnull=False),
                name="episode_published_has_time",
            ),
            _cover_has_alt("episode_cover_has_alt"),
        ]
        indexes = [
            # The id too, so that PostgreSQL tells which episodes are public from
            # the index alone (an index-only scan): search ranks and counts by
            # joining that to the search documents, where reading the whole
            # episode table (it holds the bodies) took 19 ms of the 58 ms the
            # ranking query spent over 20,000 episodes.
            models.Index(fields=["status", "publish_at", "id"], name="episode_visibility"),
            # A series page, newest first: the published filter is read from the
            # index, so a far page skips rows without reading them.
            models.Index(
                fields=["series", "-number", "status", "publish_at"], name="episode_series_pages"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.intro_html = render_markdown(self.intro)
        self.closing_html = render_markdown(self.closing)
        images.store_cover(self, folder="episodes")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse(
            "columns:episode", kwargs={"series_slug": self.series.slug, "number": self.number}
        )

    def clean(self):
        if self.status == self.Status.PUBLISHED and self.publish_at is None:
            self.publish_at = timezone.now()
        errors = _cover_alt_errors(self)
        if self.number is not None and self.number < 1:
            # Said in words here: the check constraint's own message is only its name.
            errors["number"] = ValidationError(
                _("회차 번호는 1 이상이어야 합니다."), code="min_value"
            )
        if errors:
            raise ValidationError(errors)

    @property
    def title(self) -> str:
        """The title as the column prints it: `시리즈-48(헤드라인)`. Needs `series` loaded."""
        return f"{self.series.title}-{self.number}({self.headline})"

    def is_published(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and (self.publish_at <= now)
        )

    def is_scheduled(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and (self.publish_at > now)
        )

    def published_neighbours(self):
        """The published episodes just before and after this one: (pk, number, headline) rows.

        One query: the first three published episodes from the number just
        before this one on (a range the series index walks in order). Only
        when the number just before is not published (a draft, a gap) does a
        second query look further back. Building a query costs more here than
        running it, and one with two subqueries costs more than two plain ones.
        """

        # Rows as (pk, number, headline) tuples, each query built in one filter():
        # model instances and chained filters cost more than the query runs.
        def siblings(**lookups):
            return Episode.objects.filter(
                published_filter(), series_id=self.series_id, **lookups
            ).values_list("pk", "number", "headline", named=True)

        # From the number just before, in order: it, this one (when published), the next.
        found = list(siblings(number__gte=self.number - 1).order_by("number")[:3])
        previous = next((e for e in found if e.number < self.number), None)
        following = next((e for e in found if e.number > self.number), None)
        if previous is None and self.number > 1:
            previous = siblings(number__lt=self.number).order_by("-number").first()
        return previous, following


@reversion.register()
class Commentary(RemembersLoadedValues):
    """One paragraph of the author's 논평; it may answer one of the episode's articles."""

    remembered_fields = ("episode_id",)

    episode = models.ForeignKey(
        Episode, verbose_name=_("회차"), on_delete=models.CASCADE, related_name="commentary"
    )
    position = models.PositiveSmallIntegerField(_("순서"))
    source_article = models.ForeignKey(
        SourceArticle,
        verbose_name=_("답하는 기사"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commentary",
    )
    body = MarkdownField(_("본문"))
    body_html = models.TextField(editable=False, blank=True)

    class Meta:
        verbose_name = _("논평 문단")
        verbose_name_plural = _("논평 문단")
        ordering = ["episode", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "position"], name="commentary_unique_position_per_episode"
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1), name="commentary_position_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.body[:40]}"

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        if self.position is not None and self.position < 1:
            errors["position"] = ValidationError(_("순서는 1 이상이어야 합니다."), code="min_value")
        if self.source_article_id is not None and self.source_article.episode_id != self.episode_id:
            errors["source_article"] = _("같은 회차에 실린 기사만 고를 수 있습니다.")
        if errors:
            raise ValidationError(errors)


class CommentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)


class Comment(RemembersLoadedValues):
    """A reader's comment; nothing shows until a moderator approves it."""

    remembered_fields = ("episode_id", "status")

    class Status(models.TextChoices):
        PENDING = "pending", _("검토 대기")
        APPROVED = "approved", _("승인")
        REJECTED = "rejected", _("거절")
        SPAM = "spam", _("스팸")

    episode = models.ForeignKey(
        Episode, verbose_name=_("회차"), on_delete=models.CASCADE, related_name="comments"
    )
    name = models.CharField(_("이름"), max_length=50)
    email = models.EmailField(_("이메일"), blank=True, help_text=_("공개되지 않습니다."))
    body = models.TextField(_("내용"))
    body_html = models.TextField(editable=False, blank=True)
    status = models.CharField(
        _("상태"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    held_reason = models.CharField(_("보류 이유"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("작성 시각"), default=timezone.now, db_index=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("처리한 사람"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    moderated_at = models.DateTimeField(_("처리 시각"), null=True, blank=True)
    # Only a keyed hash of the address: enough to rate-limit and spot a flood
    # from one sender, useless for finding the reader.
    ip_hash = models.CharField(_("IP 해시"), max_length=64, blank=True, editable=False)
    user_agent = models.CharField(_("브라우저"), max_length=300, blank=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("댓글")
        verbose_name_plural = _("댓글")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected", "spam"]),
                name="comment_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["episode", "status", "created_at"], name="comment_by_episode"),
            models.Index(fields=["status", "created_at"], name="comment_queue"),
            # The rate limit's fallback while the cache is down (columns.services).
            models.Index(fields=["ip_hash", "created_at"], name="comment_by_sender"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.body[:30]}"

    def save(self, *args, **kwargs):
        self.body_html = render_plain_text(self.body)
        super().save(*args, **kwargs)


class EpisodeSearchDocument(models.Model):
    """What search reads for one episode, kept by `columns.projections`.

    The `folded_*` columns hold text folded for Korean substring matching (NFKC,
    lower case, no whitespace; parts separated by newlines); see docs/search.md.
    """

    episode = models.OneToOneField(
        Episode,
        verbose_name=_("회차"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_document",
    )
    folded_headline = models.TextField(blank=True)
    folded_keywords = models.TextField(blank=True)
    # Subtitle, cited headlines and outlet names: ranked below the headline and keywords.
    folded_lead = models.TextField(blank=True)
    # Everything searchable, the only column filtered on (trigram-indexed on PostgreSQL).
    folded_document = models.TextField(blank=True)
    # Readable text the result page cuts the matching passage from.
    passage_text = models.TextField(blank=True)
    # The keywords a result card lists, [name, slug] in the page's order: read with
    # the document, so a result page needs no taggit query (db_default: rows written
    # by the release before keep working).
    keywords = models.JSONField(default=list, blank=True, db_default=[])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("검색 문서")
        verbose_name_plural = _("검색 문서")

    def __str__(self) -> str:
        return f"search document of episode {self.episode_id}"


class RenderedEpisode(models.Model):
    """The episode page's parts and approved comments, rendered when one changes.

    Kept by columns.projections: the page reads this one row instead of five
    tables. A row rendered by other templates or settings (`version`), or a
    missing row, is rendered again on the episode's next view. A table of its
    own, so that lists of episodes never carry the body: they read only the
    card (`EpisodeQuerySet.with_stored_cards`).
    """

    episode = models.OneToOneField(
        Episode,
        verbose_name=_("회차"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="rendered",
    )
    body_html = models.TextField(blank=True)
    comments_html = models.TextField(blank=True)
    # The episode's card in every list (home, series, keyword, outlet pages):
    # twenty cards drawn from the template cost more than the rest of a list page.
    # (db_default: rows written by the code of the release before keep working.)
    card_html = models.TextField(blank=True, db_default="")
    # The rest of the page that only this episode's rows decide: its head (share
    # previews, series feeds), header and JSON-LD (columns.projections.body.page_parts).
    head_html = models.TextField(blank=True, db_default="")
    header_html = models.TextField(blank=True, db_default="")
    json_ld_html = models.TextField(blank=True, db_default="")
    # The episode's entries in the RSS and Atom feeds, its whole body with absolute
    # links (on a stand-in origin), written once (columns.projections.feed_entries).
    feed_rss_item = models.TextField(blank=True, db_default="")
    feed_atom_entry = models.TextField(blank=True, db_default="")
    # For the page's head (share tags, JSON-LD) and the "cited elsewhere" lookup.
    keyword_names = models.JSONField(default=list, blank=True)
    citations = models.JSONField(default=list, blank=True)
    version = models.CharField(max_length=16, blank=True)
    rendered_at = models.DateTimeField(auto_now=True)

    # What other pages read: the episode page leaves them out of its query.
    NOT_ON_THE_PAGE = ("card_html", "feed_rss_item", "feed_atom_entry")

    class Meta:
        verbose_name = _("렌더링한 회차")
        verbose_name_plural = _("렌더링한 회차")

    def __str__(self) -> str:
        return f"rendered page of episode {self.episode_id}"


class EpisodeRevision(models.Model):
    """What a django-reversion revision of an episode keeps beside its rows.

    Keywords live in taggit's generic table, which reversion does not follow,
    so their names are kept here; `edit_version` is the episode's number after
    that save (columns.revisions finds the revision an edit form was made from).
    """

    # A bulk action keeps every episode it changed in one revision: one row each.
    revision = models.ForeignKey(
        "reversion.Revision", on_delete=models.CASCADE, related_name="episode_metas"
    )
    episode_id_at_save = models.PositiveBigIntegerField(_("회차 번호(내부)"), db_index=True)
    edit_version = models.PositiveIntegerField(_("편집 판"))
    keywords = models.JSONField(_("키워드"), default=list, blank=True)

    class Meta:
        verbose_name = _("회차 판 정보")
        verbose_name_plural = _("회차 판 정보")

    def __str__(self) -> str:
        return f"episode {self.episode_id_at_save} v{self.edit_version}"


class Correction(models.Model):
    """A correction (정정) of a published episode, listed for readers at the end of the page.

    Never deleted: removing one records who removed it and when, and readers
    then see "삭제된 정정" with the date in its place (see README).
    """

    episode = models.ForeignKey(
        Episode, verbose_name=_("회차"), on_delete=models.CASCADE, related_name="corrections"
    )
    note = models.CharField(_("정정 내용"), max_length=300)
    created_at = models.DateTimeField(_("정정한 때"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("정정한 사람"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    removed_at = models.DateTimeField(_("삭제한 때"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("삭제한 사람"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    removal_reason = models.CharField(_("삭제 이유"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("정정")
        verbose_name_plural = _("정정")
        ordering = ["episode", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(note=""), name="correction_note_not_empty"),
        ]

    def __str__(self) -> str:
        return self.note

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class Autosave(models.Model):
    """An editor's unsaved change form of one episode, kept every few seconds while typing.

    Never published and never applied by itself: reopening the episode offers it.
    One row per episode and editor (the newest draft replaces the older one), and
    one per editor without an episode: the "add episode" form of an episode that
    was never saved, offered again when that editor opens the add page.
    """

    episode = models.ForeignKey(
        Episode,
        verbose_name=_("회차"),
        on_delete=models.CASCADE,
        related_name="autosaves",
        null=True,
        blank=True,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("편집자"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    data = models.JSONField(_("양식 내용"), default=dict)
    saved_at = models.DateTimeField(_("자동 저장한 때"), default=timezone.now)

    class Meta:
        verbose_name = _("자동 저장")
        verbose_name_plural = _("자동 저장")
        constraints = [
            models.UniqueConstraint(fields=["episode", "user"], name="autosave_one_per_editor"),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(episode__isnull=True),
                name="autosave_one_new_episode_per_editor",
            ),
        ]

    def __str__(self) -> str:
        return f"autosave of episode {self.episode_id or 'new'} by {self.user_id}"
