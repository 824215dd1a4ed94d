from django.db import migrations

DEFAULTS = [
    (
        "leads-24-months",
        "lead_inactive",
        "contact",
        24,
        "A lead with no activity for 24 months is erased: there is no relationship to keep.",
    ),
    (
        "former-customers-36-months",
        "former_customer",
        "contact",
        36,
        "A former customer is erased 36 months after their last deal closed "
        "(contracts and invoices stay under their legal hold).",
    ),
    (
        "activities-5-years",
        "activity_age",
        "activity",
        60,
        "Calls, e-mails, meetings, tasks and notes are erased 5 years after they happened.",
    ),
]
CATEGORIES = {
    "contact": [
        "user.name",
        "user.contact.email",
        "user.contact.phone_number",
        "user.contact.address",
        "user.government_id",
        "user.demographic.date_of_birth",
        "user.job_title",
        "user.content",
    ],
    "activity": ["user.content"],
}


def seed(apps, schema_editor):
    Policy = apps.get_model("retention", "Policy")
    for key, rule, kind, months, description in DEFAULTS:
        Policy.objects.get_or_create(
            key=key,
            defaults={
                "rule": rule,
                "record_kind": kind,
                "months": months,
                "description": description,
                "categories": CATEGORIES[kind],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
