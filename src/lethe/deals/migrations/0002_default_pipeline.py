from django.db import migrations

STAGES = [
    ("Qualification", 10, "open"),
    ("Needs analysis", 30, "open"),
    ("Proposal", 60, "open"),
    ("Negotiation", 80, "open"),
    ("Won", 100, "won"),
    ("Lost", 0, "lost"),
]


def create(apps, schema_editor):
    Pipeline = apps.get_model("deals", "Pipeline")
    Stage = apps.get_model("deals", "Stage")
    pipeline, _ = Pipeline.objects.get_or_create(name="Sales", defaults={"position": 0})
    for position, (name, probability, kind) in enumerate(STAGES):
        Stage.objects.get_or_create(
            pipeline=pipeline, name=name,
            defaults={"position": position, "probability": probability, "kind": kind},
        )


class Migration(migrations.Migration):
    dependencies = [("deals", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
