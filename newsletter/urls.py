from django.urls import path

from newsletter import views

app_name = "newsletter"

# Under each series, beside its pages (the `uslug` converter is registered by columns.urls).
urlpatterns = [
    path("series/<uslug:slug>/subscribe/", views.subscribe, name="subscribe"),
    path("series/<uslug:slug>/subscribe/sent/", views.subscribe_sent, name="subscribe_sent"),
    path("series/<uslug:slug>/subscribe/confirm/<str:token>/", views.confirm, name="confirm"),
    path("series/<uslug:slug>/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
