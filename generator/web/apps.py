"""The Django app of `pep serve`."""

from django.apps import AppConfig


class PepWebConfig(AppConfig):
    name = "generator.web"
    label = "pepweb"
    verbose_name = "pep web"
    default_auto_field = "django.db.models.BigAutoField"
