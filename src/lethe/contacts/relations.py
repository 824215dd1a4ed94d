"""Answers to the policy's grant conditions from the CRM's own records."""

from lethe.vault.policy import Actor, NoRelations


class CrmRelations(NoRelations):
    """Ownership from contacts; consents and cases are answered by their own features.

    Until the consent ledger and the data-subject request register exist, nobody has
    consented and no case is open (NoRelations), the least-privileged answers.
    """

    def owned(self, actor: Actor, subjects):
        from lethe.contacts.models import Contact

        if actor.kind != "user" or not subjects or not actor.ident.isdigit():
            return set()
        return set(
            Contact.objects.filter(subject_id__in=subjects, owner_id=int(actor.ident)).values_list(
                "subject_id", flat=True
            )
        )
