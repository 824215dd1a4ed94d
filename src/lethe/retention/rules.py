"""Which records each retention rule finds, as of a moment: ids only, in batch queries."""

from __future__ import annotations

from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, Max, OuterRef, Q
from django.db.models.functions import Coalesce, Greatest

from lethe.activities.models import Activity
from lethe.contacts.models import Contact
from lethe.deals.models import Deal
from lethe.retention.models import Policy
from lethe.vault.models import Subject

# Restricted data is stored but not used (Art. 18): retention leaves it until lifted.
RESTRICTED = Subject.Status.RESTRICTED


def cutoff(policy: Policy, as_of: datetime) -> datetime:
    return as_of - relativedelta(months=policy.months)


def _open_deal():
    return Exists(Deal.objects.filter(contacts=OuterRef("pk"), closed_at__isnull=True))


def _last_activity():
    return Max("activities__occurred_at")


def leads_inactive(policy: Policy, as_of: datetime) -> list[int]:
    """Leads whose last activity (or, with none, their creation) is before the cutoff."""
    before = cutoff(policy, as_of)
    rows = (
        Contact.objects.filter(stage=Contact.Stage.LEAD, created_at__lt=before)
        .exclude(subject__status=RESTRICTED)
        .annotate(open_deal=_open_deal(), last=_last_activity())
        .filter(open_deal=False)
        .filter(Q(last__isnull=True) | Q(last__lt=before))
    )
    return sorted(rows.values_list("pk", flat=True))


def former_customers(policy: Policy, as_of: datetime) -> list[int]:
    """Contacts with deals, none open, whose last deal and last activity are before the cutoff."""
    before = cutoff(policy, as_of)
    rows = (
        Contact.objects.filter(deals__isnull=False)
        .exclude(subject__status=RESTRICTED)
        .annotate(open_deal=_open_deal(), last_deal=Max("deals__closed_at"))
        .filter(open_deal=False, last_deal__lt=before)
        .annotate(
            last=Greatest(Coalesce(_last_activity(), "last_deal"), "last_deal"),
        )
        .filter(last__lt=before)
    )
    return sorted(set(rows.values_list("pk", flat=True)))


def old_activities(policy: Policy, as_of: datetime) -> list[int]:
    """Activities that happened before the cutoff."""
    before = cutoff(policy, as_of)
    rows = Activity.objects.filter(occurred_at__lt=before).exclude(
        contact__subject__status=RESTRICTED
    )
    return sorted(rows.values_list("pk", flat=True))


FINDERS = {
    Policy.Rule.LEAD_INACTIVE: leads_inactive,
    Policy.Rule.FORMER_CUSTOMER: former_customers,
    Policy.Rule.ACTIVITY_AGE: old_activities,
}
