"""Synthetic consents and a marketing list for `lethe demo`."""

from __future__ import annotations

import random

from lethe.consent import ledger, lists, notices
from lethe.consent.models import Channel, MarketingList, State
from lethe.contacts.models import Contact
from lethe.vault.policy import Actor, Purpose

DM = Purpose.DIRECT_MARKETING


def fill(actor: Actor, rng: random.Random) -> None:
    """Give about a third of the contacts a marketing consent (a few withdraw it later) and
    put half of all contacts on a newsletter list, so the list shows who may be mailed."""
    contacts = list(Contact.objects.select_related("subject").order_by("pk"))
    if not contacts:
        return
    notice = notices.current(DM).notice
    consenting = [c for c in contacts if rng.random() < 0.35]
    by_channel: dict[Channel, list] = {}
    for contact in consenting:
        channel = rng.choice([Channel.WEB_FORM, Channel.WEB_FORM, Channel.IMPORT, Channel.PHONE])
        by_channel.setdefault(channel, []).append(contact.subject)
    for channel, subjects in by_channel.items():
        ledger.record(
            actor,
            subjects,
            DM,
            State.GRANTED,
            channel,
            notice,
            double_opt_in=channel == Channel.WEB_FORM,
        )
    withdrawing = [c.subject for c in consenting if rng.random() < 0.1]
    if withdrawing:
        ledger.record(actor, withdrawing, DM, State.WITHDRAWN, Channel.EMAIL, None)
    if not MarketingList.objects.exists():
        newsletter = lists.create_list(actor, "Newsletter")
        lists.add_members(actor, newsletter, [c for c in contacts if rng.random() < 0.5])
