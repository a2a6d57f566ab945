"""Subscribing, confirming and unsubscribing: thin views over newsletter.services."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from columns.models import Series
from columns.services import sender_fingerprint
from common.http import client_ip
from newsletter import services
from newsletter.forms import SubscribeForm
from newsletter.models import Subscriber


@require_POST
def subscribe(request: HttpRequest, slug: str) -> HttpResponse:
    """The form under the series page and each episode: a confirmation mail, then a page."""
    series = get_object_or_404(Series, slug=slug)
    if services.subscribe_rate_limited(ip_hash=sender_fingerprint(client_ip(request))):
        return render(request, "newsletter/rate_limited.html", {"series": series}, status=429)
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return render(
            request, "newsletter/subscribe.html", {"series": series, "form": form}, status=400
        )
    services.subscribe(series=series, email=form.cleaned_data["email"], is_bot=form.is_bot)
    return redirect("newsletter:subscribe_sent", slug=series.slug)


def subscribe_sent(request: HttpRequest, slug: str) -> HttpResponse:
    series = get_object_or_404(Series, slug=slug)
    return render(request, "newsletter/subscribe_sent.html", {"series": series})


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """GET shows a button and changes nothing (mail scanners follow links); POST confirms."""
    series = get_object_or_404(Series, slug=slug)
    try:
        subscriber = services.subscriber_for_confirmation(series=series, token=token)
    except services.InvalidLink as refusal:
        return render(
            request,
            "newsletter/link_invalid.html",
            {"series": series, "expired": str(refusal) == "expired"},
            status=400,
        )
    if request.method == "POST":
        services.confirm(subscriber=subscriber)
        return render(request, "newsletter/confirmed.html", {"series": series})
    return render(
        request,
        "newsletter/confirm.html",
        {"series": series, "subscriber": subscriber, "token": token},
    )


@never_cache
@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """GET shows a button; any POST (the button, or a mail client's one click) unsubscribes."""
    subscriber = Subscriber.objects.filter(series__slug=slug, token=token).first()
    series = get_object_or_404(Series, slug=slug)
    if subscriber is None:  # deleted on request: such an address gets nothing anyway
        return render(request, "newsletter/unsubscribed.html", {"series": series})
    if request.method == "POST":
        services.unsubscribe(subscriber=subscriber)
        return render(request, "newsletter/unsubscribed.html", {"series": series})
    return render(
        request, "newsletter/unsubscribe.html", {"series": series, "subscriber": subscriber}
    )
