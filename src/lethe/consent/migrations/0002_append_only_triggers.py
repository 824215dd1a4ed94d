from django.db import migrations


def install(apps, schema_editor):
    from lethe.consent import triggers

    triggers.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    from lethe.consent import triggers

    triggers.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_ledger")]

    operations = [migrations.RunPython(install, uninstall)]
