"""When two contacts of one person are merged, their activities follow the kept one.

Texts about the merged contact are sealed under its key, which the merge shreds:
they are sealed again under the kept contact's key. Participant and mention links
move to the kept person, and mention tokens in other texts are pointed at the kept
contact (those texts keep their own keys).
"""

from lethe.activities import mentions
from lethe.activities.models import Activity, ActivityMention, ActivityParticipant
from lethe.vault import documents
from lethe.vault.policy import Actor


def _move_links(model, merged, kept) -> None:
    already = set(model.objects.filter(subject=kept.subject).values_list("activity_id", flat=True))
    model.objects.filter(subject=merged.subject).exclude(activity_id__in=already).update(
        subject=kept.subject
    )
    model.objects.filter(subject=merged.subject).delete()


def move_activities(kept, merged) -> None:
    """Hook for lethe.contacts.merge."""
    system = Actor.system("merge")
    about = list(Activity.objects.filter(contact=merged).select_related("body"))
    documents.move_to_subject(system, [a.body for a in about if a.body], kept.subject)
    Activity.objects.filter(pk__in=[a.pk for a in about]).update(contact=kept)
    naming = list(
        Activity.objects.filter(mention_links__subject=merged.subject)
        .select_related("body")
        .distinct()
    )
    old, new = mentions.token(merged.pk), mentions.token(kept.pk)
    documents.rewrite(
        system,
        [a.body for a in naming if a.body],
        lambda text: text.replace(old, new),
        reason="contacts_merged",
    )
    _move_links(ActivityParticipant, merged, kept)
    _move_links(ActivityMention, merged, kept)


def delete_activities_of(contact) -> None:
    """Hook for lethe.contacts.deletion: the person's activities go with them; they stop
    being a participant or a mention elsewhere (the tokens then show an erased person)."""
    about = Activity.objects.filter(contact=contact)
    bodies = list(about.exclude(body=None).values_list("body_id", flat=True))
    about.delete()
    documents.delete_many(bodies)
    ActivityParticipant.objects.filter(subject=contact.subject).delete()
    ActivityMention.objects.filter(subject=contact.subject).delete()
