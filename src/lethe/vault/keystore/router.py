"""Route the keystore app to its own database and nothing else there.

A copy or backup of the main database must never hold key material, and the
keystore database holds nothing but keys.
"""

KEYSTORE_APP = "keystore"
KEYSTORE_DB = "keystore"


class KeystoreRouter:
    """Send keystore models to the keystore database, everything else to default."""

    def db_for_read(self, model, **hints):
        return KEYSTORE_DB if model._meta.app_label == KEYSTORE_APP else "default"

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        return (obj1._meta.app_label == KEYSTORE_APP) == (obj2._meta.app_label == KEYSTORE_APP)

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return (db == KEYSTORE_DB) == (app_label == KEYSTORE_APP)
