"""Answers to the policy's grant conditions from the CRM's own records."""

from django.db.models import Q

from lethe.vault.policy import Actor, NoRelations


class CrmRelations(NoRelations):
    """Ownership from contacts, consents from the ledger (lethe.consent), cases from the
    request register (lethe.dsr.cases)."""

    def consented(self, subjects, purpose):
        """Return the subjects the purpose's legal basis allows now, from the consent ledger:
        an active consent (or, under legitimate interest, no withdrawal), not restricted."""
        from lethe.consent import eligibility

        return eligibility.permitted(set(subjects), purpose)

    def case_open(self, actor: Actor) -> bool:
        from lethe.dsr import cases

        return cases.case_open(actor)

    def case_subjects(self, actor: Actor, subjects):
        from lethe.dsr import cases

        return cases.case_subjects(actor, set(subjects))

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
