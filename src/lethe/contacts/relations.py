"""Answers to the policy's grant conditions from the CRM's own records."""

from django.db.models import Q

from lethe.vault.policy import Actor, NoRelations


class CrmRelations(NoRelations):
    """Ownership from contacts; consents and cases are answered by their own features.

    Until the consent ledger and the data-subject request register exist, nobody has
    consented and no case is open (NoRelations), the least-privileged answers.
    """

    def owned(self, actor: Actor, subjects):
        """Return the subjects whose contact the actor, or a teammate of theirs, owns.

        One query for the whole batch: the teammates are a subquery, not a loop.
        """
        from lethe.accounts.models import User
        from lethe.contacts.models import Contact

        if actor.kind != "user" or not subjects or not actor.ident.isdigit():
            return set()
        me = int(actor.ident)
        teammates = User.objects.filter(teams__members=me).values("pk")
        return set(
            Contact.objects.filter(subject_id__in=subjects)
            .filter(Q(owner_id=me) | Q(owner_id__in=teammates))
            .values_list("subject_id", flat=True)
        )
