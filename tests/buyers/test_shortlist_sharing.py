"""Shortlists shared by a group (issue 15, "Buyers together"): invitations by e-mail, read or
edit rights, notes private or shared, revoking, and every URL refused to anyone not invited."""

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail, signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from buyers import services
from buyers.models import EntryNote, ShortlistEntry, ShortlistInvite, ShortlistMember
from buyers.shortlists import sharing
from providers.models import ListingStatus
from tests.factories import BuyerFactory, IsspUserFactory, ProviderFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://[^/\s]+(/shortlists/invitation/[^\s]+/)")


def verified(user):
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


@pytest.fixture
def owner(db):
    return verified(
        BuyerFactory(email="olga@acme.example", name="Olga Owner", organisation="Acme Corp")
    )


@pytest.fixture
def editor(db):
    return verified(
        BuyerFactory(email="eddie@globex.example", name="Eddie Editor", organisation="Globex")
    )


@pytest.fixture
def reader(db):
    return verified(BuyerFactory(email="rita@initech.example", name="Rita Reader"))


@pytest.fixture
def outsider(db):
    return verified(BuyerFactory(email="otto@outside.example", name="Otto Outsider"))


@pytest.fixture
def listed(db):
    return [
        ProviderFactory(name=f"Provider {n}", slug=f"provider-{n}", status=ListingStatus.PUBLISHED)
        for n in range(3)
    ]


def invite_link(email: str) -> str:
    """The accept link of the last invitation e-mailed to `email` (a path)."""
    [message] = [m for m in mail.outbox if [a.lower() for a in m.to] == [email.lower()]][-1:]
    return LINK.search(message.body).group(1)


def join(client, shortlist, owner, user, role):
    """`owner` invites `user` through the sharing page; `user` accepts from the e-mail."""
    client.force_login(owner)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("buyers:shortlist_sharing", args=[shortlist.pk]),
            {"invite-email": user.email.upper(), "invite-role": role},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.force_login(user)
    response = client.post(invite_link(user.email))
    assert response.status_code == 302 and response["Location"] == shortlist.get_absolute_url()
    return ShortlistMember.objects.get(shortlist=shortlist, user=user)


@pytest.fixture
def group(client, owner, editor, reader, listed):
    """Olga's shortlist of three providers, shared with Eddie (edit) and Rita (view)."""
    shortlist = services.shortlist_create(owner=owner, name="Consortium call centres")
    for provider in listed:
        services.shortlist_add(shortlist=shortlist, user=owner, provider=provider)
    join(client, shortlist, owner, editor, "edit")
    join(client, shortlist, owner, reader, "read")
    client.logout()
    return shortlist


def test_an_invitation_is_emailed_and_accepted_once(
    client, owner, editor, django_capture_on_commit_callbacks
):
    shortlist = services.shortlist_create(owner=owner, name="Voice partners")
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("buyers:shortlist_sharing", args=[shortlist.pk]),
            {"invite-email": " Eddie@Globex.example ", "invite-role": "edit"},
            follow=True,
        )
    assert "An invitation was e-mailed to Eddie@globex.example" in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["Eddie@globex.example"]
    assert "Olga Owner (Acme Corp) shares the shortlist “Voice partners”" in message.body
    assert "olga@acme.example" not in message.body
    path = invite_link("Eddie@globex.example")

    # The invitee, logged in with the invited address (it already had an account), accepts.
    client.force_login(editor)
    page = client.get(path)
    assert page.status_code == 200 and "Accept the invitation" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path)
    assert response["Location"] == shortlist.get_absolute_url()
    member = ShortlistMember.objects.get(shortlist=shortlist)
    assert (member.user, member.role) == (editor, "edit")
    # The owner is told, with the address they invited.
    joined = mail.outbox[-1]
    assert joined.to == [owner.email] and "Eddie Editor (Globex)" in joined.subject
    # Single use: the link does nothing the second time.
    response = client.post(path)
    assert response.status_code == 410 and "already used" in response.content.decode()
    assert ShortlistMember.objects.count() == 1


def test_an_invitee_without_an_account_signs_up_confirms_and_accepts(
    client, owner, django_capture_on_commit_callbacks
):
    shortlist = services.shortlist_create(owner=owner, name="Joint bid")
    with django_capture_on_commit_callbacks(execute=True):
        sharing.shortlist_invite(shortlist=shortlist, user=owner, email="new@partner.example")
    path = invite_link("new@partner.example")
    page = client.get(path).content.decode()
    assert "Log in" in page and "Sign up" in page and "Accept the invitation" not in page
    # Accepting needs an account: the anonymous POST goes to the log-in page.
    response = client.post(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    mail.outbox.clear()
    response = client.post(
        reverse("account_signup") + f"?next={path}",
        {
            "account_type": "buyer",
            "email": "new@partner.example",
            "password1": "A-long-enough-pass-42",
            "password2": "A-long-enough-pass-42",
        },
    )
    assert response.status_code == 302
    [confirmation] = mail.outbox
    confirm_path = re.search(r"http://[^/\s]+(/accounts/confirm-email/\S+/)", confirmation.body)[1]
    client.post(confirm_path)
    assert EmailAddress.objects.get(email="new@partner.example").verified
    client.post(
        reverse("account_login"),
        {"login": "new@partner.example", "password": "A-long-enough-pass-42"},
    )
    response = client.post(path)
    assert response["Location"] == shortlist.get_absolute_url()
    member = ShortlistMember.objects.get(shortlist=shortlist)
    assert member.user.email == "new@partner.example" and member.role == "read"


def test_only_the_invited_confirmed_address_can_accept(client, owner, outsider):
    shortlist = services.shortlist_create(owner=owner, name="Private")
    invite = sharing.shortlist_invite(shortlist=shortlist, user=owner, email="eddie@globex.example")
    path = sharing.invite_url(invite)
    client.force_login(outsider)
    assert "sent to another e-mail address" in client.get(path).content.decode()
    client.post(path)
    unconfirmed = BuyerFactory(email="eddie@globex.example")
    client.force_login(unconfirmed)
    assert "Confirm your e-mail address first" in client.get(path).content.decode()
    client.post(path)
    assert not ShortlistMember.objects.exists()
    invite.refresh_from_db()
    assert invite.accepted_at is None


def test_altered_expired_and_withdrawn_links_do_nothing(client, owner, editor, monkeypatch):
    shortlist = services.shortlist_create(owner=owner, name="Private")
    invite = sharing.shortlist_invite(shortlist=shortlist, user=owner, email=editor.email)
    client.force_login(editor)
    token = sharing.invite_token(invite)
    for bad in (token[:-2] + "xx", "nonsense", "a:b:c", "%00"):
        assert client.post(f"/shortlists/invitation/{bad}/").status_code == 404
    # A genuine link for another invitation's id (the key does not match): withdrawn.
    forged = signing.TimestampSigner(salt=sharing.SALT).sign_object({"i": invite.pk, "k": "x"})
    assert client.post(f"/shortlists/invitation/{forged}/").status_code == 410
    # Signed more than INVITE_VALID_FOR ago.
    then = timezone.now() - sharing.INVITE_VALID_FOR - datetime.timedelta(minutes=1)
    monkeypatch.setattr(signing.time, "time", lambda: then.timestamp())
    old = sharing.invite_token(invite)
    monkeypatch.undo()
    response = client.post(f"/shortlists/invitation/{old}/")
    assert response.status_code == 410 and "expired" in response.content.decode()
    # Expired in the database (the signature still fresh).
    ShortlistInvite.objects.filter(pk=invite.pk).update(expires_at=timezone.now())
    assert client.post(sharing.invite_url(invite)).status_code == 410
    ShortlistInvite.objects.filter(pk=invite.pk).update(
        expires_at=timezone.now() + datetime.timedelta(days=1)
    )
    # Withdrawn by the owner.
    client.force_login(owner)
    response = client.post(
        reverse("buyers:shortlist_invite_withdraw", args=[shortlist.pk, invite.pk])
    )
    assert response.status_code == 302
    client.force_login(editor)
    response = client.post(sharing.invite_url(invite))
    assert response.status_code == 410 and "withdrawn" in response.content.decode()
    assert not ShortlistMember.objects.exists()


def test_bad_invitations_are_refused_with_a_message_and_nothing_sent(
    client, owner, group, editor, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    url = reverse("buyers:shortlist_sharing", args=[group.pk])
    mail.outbox.clear()
    cases = [
        ({"invite-email": "not an address", "invite-role": "read"}, "Enter a valid email"),
        ({"invite-email": "x@y.example", "invite-role": "admin"}, "Select a valid choice"),
        ({"invite-email": owner.email, "invite-role": "read"}, "your own address"),
        ({"invite-email": editor.email, "invite-role": "read"}, "already in the group"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        for data, words in cases:
            response = client.post(url, data)
            assert response.status_code == 400, data
            assert words in response.content.decode(), data
        client.post(url, {"invite-email": "x@y.example", "invite-role": "read"})
        response = client.post(url, {"invite-email": "X@y.example", "invite-role": "edit"})
        assert "open already" in response.content.decode()
    assert [m.to for m in mail.outbox] == [["x@y.example"]]
    assert ShortlistInvite.objects.filter(accepted_at__isnull=True).count() == 1


def shortlist_urls(shortlist, entry, provider):
    """Every URL of a shortlist: (method, path, data, level it needs)."""
    s, e = shortlist.pk, entry.pk
    member = shortlist.members.first()
    invite = ShortlistInvite.objects.create(
        shortlist=shortlist,
        email="later@x.example",
        key="k" * 20,
        invited_by=shortlist.owner,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    return [
        ("get", reverse("buyers:shortlist_detail", args=[s]), {}, "read"),
        ("get", reverse("buyers:shortlist_export", args=[s]), {}, "read"),
        ("get", reverse("buyers:inquiry_new") + f"?shortlist={s}", {}, "edit"),
        ("post", reverse("buyers:entry_note", args=[s, e]), {"note": "Hacked"}, "edit"),
        ("post", reverse("buyers:entry_move", args=[s, e]), {"direction": "down"}, "edit"),
        ("post", reverse("buyers:shortlist_sort", args=[s]), {"by": "name"}, "edit"),
        (
            "post",
            reverse("buyers:inquiry_new"),
            {"shortlist": s, "subject": "Hacked", "body": "Hacked"},
            "edit",
        ),
        ("get", reverse("buyers:shortlist_sharing", args=[s]), {}, "owner"),
        (
            "post",
            reverse("buyers:shortlist_sharing", args=[s]),
            {"invite-email": "z@z.example", "invite-role": "edit"},
            "owner",
        ),
        (
            "post",
            reverse("buyers:shortlist_member_role", args=[s, member.pk]),
            {f"m{member.pk}-role": "edit"},
            "owner",
        ),
        ("post", reverse("buyers:shortlist_member_remove", args=[s, member.pk]), {}, "owner"),
        ("post", reverse("buyers:shortlist_invite_withdraw", args=[s, invite.pk]), {}, "owner"),
        ("post", reverse("buyers:shortlist_rename", args=[s]), {"name": "Hacked"}, "owner"),
        ("get", reverse("buyers:shortlist_delete", args=[s]), {}, "owner"),
        ("post", reverse("buyers:shortlist_delete", args=[s]), {}, "owner"),
        # Last: they change what is there.
        (
            "post",
            reverse("buyers:shortlist_remove"),
            {"provider": provider.slug, "shortlist": s},
            "edit",
        ),
        ("post", reverse("buyers:entry_remove", args=[s, e]), {}, "edit"),
    ]


def snapshot(shortlist):
    return [
        list(ShortlistEntry.objects.filter(shortlist=shortlist).order_by("pk").values()),
        list(EntryNote.objects.filter(entry__shortlist=shortlist).order_by("pk").values()),
        list(ShortlistMember.objects.filter(shortlist=shortlist).order_by("pk").values()),
        list(ShortlistInvite.objects.filter(shortlist=shortlist).order_by("pk").values()),
        shortlist.__class__.objects.filter(pk=shortlist.pk).values_list("name", flat=True)[0],
    ]


@pytest.mark.parametrize("who", ["outsider", "issp", "reader", "editor"])
def test_every_shortlist_url_is_refused_without_the_rights_it_needs(
    client, group, listed, editor, reader, outsider, who
):
    """Not invited: 404 everywhere (nothing learnt). Members: 403 above their rights."""
    user = {
        "outsider": outsider,
        "issp": verified(IsspUserFactory(email="partner@issp.example")),
        "reader": reader,
        "editor": editor,
    }[who]
    entry = group.entries.get(provider=listed[0])
    EntryNote.objects.create(entry=entry, author=group.owner, text="Owner's secret", shared=False)
    urls = shortlist_urls(group, entry, listed[0])
    before = snapshot(group)
    client.force_login(user)
    levels = {"outsider": (), "issp": (), "reader": ("read",), "editor": ("read", "edit")}[who]
    for method, url, data, level in urls:
        if level in levels:
            continue
        response = getattr(client, method)(url, data)
        expected = 404 if who in ("outsider", "issp") else 403
        if url == reverse("buyers:shortlist_remove"):
            expected = 404  # the button finds only shortlists the user may edit
        assert response.status_code == expected, (who, method, url, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"Owner's secret" not in body
        if who in ("outsider", "issp"):
            assert b"Consortium call centres" not in body
    assert snapshot(group) == before


def test_members_use_what_their_rights_allow(client, group, listed, editor, reader):
    entry = group.entries.get(provider=listed[2])
    client.force_login(reader)
    page = client.get(group.get_absolute_url()).content.decode()
    assert "Shared with you by Olga Owner (Acme Corp)" in page
    assert "Save note" not in page and "Move up" not in page and "Remove</button" not in page
    assert client.get(reverse("buyers:shortlist_export", args=[group.pk])).status_code == 200

    client.force_login(editor)
    page = client.get(group.get_absolute_url()).content.decode()
    assert "Save note" in page and "Move up" in page and "Rename" not in page
    assert "Share</a>" not in page and "Delete shortlist" not in page
    client.post(reverse("buyers:entry_move", args=[group.pk, entry.pk]), {"direction": "up"})
    assert list(group.entries.values_list("provider", flat=True)) == [
        listed[0].pk,
        listed[2].pk,
        listed[1].pk,
    ]
    new = ProviderFactory(status=ListingStatus.PUBLISHED, slug="added-by-eddie")
    response = client.post(
        reverse("buyers:shortlist_add"), {"provider": new.slug, "shortlist": group.pk}
    )
    assert response.status_code == 302 and group.entries.filter(provider=new).exists()
    # The add button offers the shared shortlist to its editors.
    profile = client.get(listed[0].get_absolute_url()).content.decode()
    assert "On “Consortium call centres”" in profile
    client.force_login(reader)
    profile = client.get(listed[0].get_absolute_url()).content.decode()
    assert "Consortium call centres" not in profile


def test_notes_are_private_or_shared_as_their_author_chooses(client, group, listed, editor, reader):
    first, second = (group.entries.get(provider=p) for p in listed[:2])
    client.force_login(editor)
    note_url = reverse("buyers:entry_note", args=[group.pk, first.pk])
    client.post(note_url, {"note": "Eddie shares: strong QA", "shared": "on"})
    client.post(
        reverse("buyers:entry_note", args=[group.pk, second.pk]), {"note": "Eddie only: pricey"}
    )
    client.force_login(group.owner)
    client.post(note_url, {"note": "Olga keeps this"})
    for user in (group.owner, reader):
        client.force_login(user)
        page = client.get(group.get_absolute_url()).content.decode()
        assert "Eddie shares: strong QA" in page and "Eddie Editor (Globex)" in page
        assert "Eddie only: pricey" not in page
        # Olga's private note: in her own form, nowhere on Rita's page.
        assert ("Olga keeps this" in page) == (user == group.owner)
    client.force_login(editor)
    page = client.get(group.get_absolute_url()).content.decode()
    assert "Eddie only: pricey" in page and "Olga keeps this" not in page
    # The export carries the reader's own notes and the group's shared ones.
    client.force_login(group.owner)
    export = b"".join(
        client.get(reverse("buyers:shortlist_export", args=[group.pk])).streaming_content
    ).decode()
    assert "Olga keeps this" in export and "Eddie Editor (Globex): Eddie shares" in export
    assert "pricey" not in export
    # An empty note is deleted; the author's other note stays.
    client.force_login(editor)
    client.post(note_url, {"note": "  "})
    assert list(EntryNote.objects.filter(author=editor).values_list("text", flat=True)) == [
        "Eddie only: pricey"
    ]


def test_the_group_shows_names_and_organisations_never_others_addresses(
    client, group, editor, reader
):
    client.force_login(reader)
    page = client.get(group.get_absolute_url()).content.decode()
    assert "Olga Owner (Acme Corp) · Owner" in page
    assert "Eddie Editor (Globex) · Can edit" in page
    assert "Rita Reader · Can view" in page
    for address in (group.owner.email, editor.email):
        assert address not in page
    # The owner's sharing page shows the addresses the owner invited.
    client.force_login(group.owner)
    page = client.get(reverse("buyers:shortlist_sharing", args=[group.pk])).content.decode()
    assert editor.email in page.lower() and reader.email in page.lower()


def test_revoking_and_lowering_rights_hold_from_the_next_request(
    client, group, listed, editor, reader
):
    entry = group.entries.get(provider=listed[0])
    eddie = ShortlistMember.objects.get(user=editor)
    client.force_login(group.owner)
    client.post(
        reverse("buyers:shortlist_member_role", args=[group.pk, eddie.pk]),
        {f"m{eddie.pk}-role": "read"},
    )
    client.force_login(editor)
    response = client.post(reverse("buyers:entry_note", args=[group.pk, entry.pk]), {"note": "x"})
    assert response.status_code == 403
    assert client.get(group.get_absolute_url()).status_code == 200

    rita = ShortlistMember.objects.get(user=reader)
    client.force_login(group.owner)
    response = client.post(reverse("buyers:shortlist_member_remove", args=[group.pk, rita.pk]))
    assert response.status_code == 302
    client.force_login(reader)
    assert client.get(group.get_absolute_url()).status_code == 404
    assert b"Consortium" not in client.get(reverse("buyers:shortlists")).content


def test_a_member_leaves_and_their_shared_notes_go_with_them(client, group, listed, editor):
    entry = group.entries.get(provider=listed[0])
    client.force_login(editor)
    client.post(
        reverse("buyers:entry_note", args=[group.pk, entry.pk]),
        {"note": "Eddie's view", "shared": "on"},
    )
    assert b"Consortium call centres" in client.get(reverse("buyers:shortlists")).content
    response = client.post(reverse("buyers:shortlist_leave", args=[group.pk]))
    assert response["Location"] == reverse("buyers:shortlists")
    assert client.get(group.get_absolute_url()).status_code == 404
    client.force_login(group.owner)
    assert b"Eddie's view" not in client.get(group.get_absolute_url()).content
    # The owner cannot leave their own shortlist (they delete it).
    assert client.post(reverse("buyers:shortlist_leave", args=[group.pk])).status_code == 403


def test_issp_staff_shortlist_and_compare_providers_but_keep_no_saved_searches(client, listed):
    staff = IsspUserFactory(email="partners@issp.example", name="Pat Partner")
    client.force_login(staff)
    response = client.post(reverse("buyers:shortlists"), {"name": "Subcontracting partners"})
    assert response.status_code == 302
    for provider in listed[:2]:
        client.post(
            reverse("buyers:shortlist_add"),
            {"provider": provider.slug, "shortlist": response["Location"].split("/")[-2]},
        )
    page = client.get(response["Location"]).content.decode()
    assert "Compare side by side" in page and "Send an inquiry" not in page
    compare = client.get(reverse("buyers:compare") + f"?p={listed[0].slug}&p={listed[1].slug}")
    assert compare.status_code == 200
    assert "Shortlists" in client.get("/").content.decode()
    # Saved searches and their alerts and the workspace overview stay with buyers (ISSP
    # staff have inquiries of their own: to other providers, as their listing).
    for name in ("buyers:searches", "buyers:search_new", "buyers:workspace"):
        assert client.get(reverse(name)).status_code == 403, name


@pytest.mark.parametrize("size", [1, 20])
def test_sharing_and_shared_pages_query_counts(client, owner, size, django_assert_max_num_queries):
    shortlist = services.shortlist_create(owner=owner, name="Big group")
    people = [verified(BuyerFactory(name=f"Member {n}")) for n in range(size)]
    providers = [ProviderFactory(status=ListingStatus.PUBLISHED) for _ in range(size)]
    for provider in providers:
        services.shortlist_add(shortlist=shortlist, user=owner, provider=provider)
    for n, person in enumerate(people):
        ShortlistMember.objects.create(
            shortlist=shortlist, user=person, role="edit", invited_email=person.email
        )
        for entry in shortlist.entries.all():
            EntryNote.objects.create(entry=entry, author=person, text=f"n{n}", shared=True)
        if n < 5:
            sharing.shortlist_invite(shortlist=shortlist, user=owner, email=f"wait{n}@x.example")
    client.force_login(owner)
    # Session and user are 2 of these; the rest must not grow with the group.
    pages = [
        # The shortlist (with its owner and the user's rights), members, open invitations.
        (reverse("buyers:shortlist_sharing", args=[shortlist.pk]), 5),
        (shortlist.get_absolute_url(), 7),
        (reverse("buyers:shortlists"), 5),
    ]
    for url, budget in pages:
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200
    client.force_login(people[0])
    for url, budget in pages[1:]:
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200
    invite = ShortlistInvite.objects.filter(accepted_at__isnull=True).first()
    client.force_login(BuyerFactory(email=invite.email))
    with django_assert_max_num_queries(5):
        assert client.get(sharing.invite_url(invite)).status_code == 200


def test_a_group_and_the_invitations_an_hour_are_bounded(owner, monkeypatch):
    shortlist = services.shortlist_create(owner=owner, name="Bounded")
    monkeypatch.setattr(sharing, "MAX_GROUP", 2)
    sharing.shortlist_invite(shortlist=shortlist, user=owner, email="a@x.example")
    sharing.shortlist_invite(shortlist=shortlist, user=owner, email="b@x.example")
    with pytest.raises(ValidationError, match="at most 2 people"):
        sharing.shortlist_invite(shortlist=shortlist, user=owner, email="c@x.example")
    monkeypatch.setattr(sharing, "MAX_GROUP", 100)
    monkeypatch.setattr(sharing, "INVITES_PER_HOUR", 3)
    other = services.shortlist_create(owner=owner, name="Another")
    sharing.shortlist_invite(shortlist=other, user=owner, email="c@x.example")
    with pytest.raises(ValidationError, match="3 invitations in the last hour"):
        sharing.shortlist_invite(shortlist=other, user=owner, email="d@x.example")
    assert ShortlistInvite.objects.count() == 3


def test_only_the_owner_shares_even_through_the_services(group, editor, reader, listed):
    member = ShortlistMember.objects.get(user=reader)
    for call in (
        lambda: sharing.shortlist_invite(shortlist=group, user=editor, email="z@z.example"),
        lambda: sharing.member_set_role(shortlist=group, user=editor, member=member, role="edit"),
        lambda: sharing.member_remove(
            shortlist=group, user=editor, member=ShortlistMember.objects.get(user=reader)
        ),
        lambda: services.shortlist_rename(shortlist=group, user=editor, name="Mine"),
        lambda: services.shortlist_entry_note(entry=group.entries.first(), user=reader, note="x"),
        lambda: services.shortlist_add(
            shortlist=group, user=reader, provider=ProviderFactory(status="published")
        ),
    ):
        with pytest.raises(PermissionDenied):
            call()
    member.refresh_from_db()
    assert member.role == "read" and group.entries.count() == len(listed)


def test_deleting_a_shared_shortlist_says_who_loses_access(client, group):
    client.force_login(group.owner)
    page = client.get(reverse("buyers:shortlist_delete", args=[group.pk])).content.decode()
    assert "It is shared with 2 people, who lose access" in page
    client.post(reverse("buyers:shortlist_delete", args=[group.pk]))
    assert not ShortlistMember.objects.exists() and not ShortlistInvite.objects.exists()
