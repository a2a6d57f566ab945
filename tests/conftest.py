import pytest


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The production manifest storage needs `collectstatic` first; page tests
    # only need {% static %} to resolve.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
