from django.apps import AppConfig


class HoldsConfig(AppConfig):
    """Legal holds (SPEC I4): data kept under a legal obligation, under a key of its own."""

    name = "lethe.holds"
    label = "holds"

    def ready(self):
        from lethe.deals.actions import on_won
        from lethe.holds.actions import hold_won_deal

        on_won(hold_won_deal)
