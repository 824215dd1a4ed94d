from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users of Lethe (log-in by e-mail) and the roles they hold."""

    name = "lethe.accounts"
    label = "accounts"

    def ready(self):
        from lethe.accounts import signals  # noqa: F401 - connects the log-in audit
