from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = "뉴스레터"
    default_auto_field = "django.db.models.BigAutoField"
