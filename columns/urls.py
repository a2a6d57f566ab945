from django.urls import path, register_converter

from columns import feeds, views
from columns.converters import UnicodeSlugConverter

register_converter(UnicodeSlugConverter, "uslug")

app_name = "columns"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("series/", views.SeriesListView.as_view(), name="series_list"),
    path("series/<uslug:slug>/", views.SeriesDetailView.as_view(), name="series"),
    path(
        "series/<uslug:series_slug>/<int:number>/",
        views.EpisodeDetailView.as_view(),
        name="episode",
    ),
    path(
        "series/<uslug:series_slug>/<int:number>/comments/",
        views.comment_post,
        name="comment_post",
    ),
    path(
        "series/<uslug:series_slug>/<int:number>/card-<str:name>",
        views.episode_card,
        name="episode_card",
    ),
    path("series/<uslug:slug>/card-<str:name>", views.series_card, name="series_card"),
    path("card-<str:name>", views.site_card, name="site_card"),
    path("keywords/<uslug:slug>/", views.KeywordView.as_view(), name="keyword"),
    path("outlets/<uslug:slug>/", views.OutletView.as_view(), name="outlet"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("feed/", feeds.EpisodesFeed(), name="feed_rss"),
    path("feed/atom/", feeds.EpisodesAtomFeed(), name="feed_atom"),
    path("series/<uslug:slug>/feed/", feeds.SeriesFeed(), name="series_feed_rss"),
    path("series/<uslug:slug>/feed/atom/", feeds.SeriesAtomFeed(), name="series_feed_atom"),
]
