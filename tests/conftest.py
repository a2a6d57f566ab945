import pytest


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The production manifest storage needs `collectstatic` first; page tests
    # only need {% static %} to resolve.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def staff(django_user_model):
    """A superuser-free staff member who can preview drafts."""
    return django_user_model.objects.create_user(
        "staff", "staff@example.com", "correct-horse-battery", is_staff=True
    )


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(
        "chief", "chief@example.com", "correct-horse-battery"
    )


def _member_of(django_user_model, username: str, group: str):
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    call_command("setup_roles", stdout=open("/dev/null", "w"))
    user = django_user_model.objects.create_user(
        username, f"{username}@example.com", "correct-horse-battery", is_staff=True
    )
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def chief(superuser):
    """A browser logged in to the admin as a superuser (the `client` fixture stays anonymous)."""
    from django.test import Client

    browser = Client()
    browser.force_login(superuser)
    return browser


@pytest.fixture
def editor(django_user_model):
    """The columnist: writes episodes, may also moderate."""
    return _member_of(django_user_model, "editor", "editors")


@pytest.fixture
def moderator(django_user_model):
    """Staff who handle reader comments and nothing else."""
    return _member_of(django_user_model, "moderator", "moderators")


@pytest.fixture
def outsider(django_user_model):
    """A logged-in user who is not staff."""
    return django_user_model.objects.create_user("outsider", "o@example.com", "correct-horse-9")


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate limits and page caches live in the cache; tests must not share them.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site():
    """The local test web server the link checker and citation lookups fetch from."""
    from tests import linkserver

    with linkserver.running() as server:
        yield server


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    # Uploads, renditions and share cards go to a folder of this test's own.
    settings.MEDIA_ROOT = tmp_path / "media"
