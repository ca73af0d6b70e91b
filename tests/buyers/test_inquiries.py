import pytest
from django.core import mail
from django.urls import reverse

from buyers import services
from buyers.models import Inquiry, InquiryMessage, InquiryStatus
from providers.models import Language, ListingStatus, Provider
from tests.factories import IsspUserFactory, MembershipFactory, ProviderFactory

# E-mails go out on commit, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)

VALID = {
    "subject": "Annotation team for 2027",
    "body": "We need 40 annotators for image data from March.",
    "questions": ["capacity", "impact-share"],
}


def send(client, **data):
    return client.post(reverse("buyers:inquiry_new"), {**VALID, **data})


def test_send_from_a_profile_emails_the_providers_staff(buyer_client, buyer, provider, member):
    mail.outbox.clear()
    response = send(buyer_client, provider=provider.slug)
    inquiry = Inquiry.objects.get()
    assert response.status_code == 302 and response["Location"] == inquiry.get_buyer_url()
    assert (inquiry.buyer, inquiry.provider, inquiry.status) == (buyer, provider, "open")
    assert inquiry.questions == ["capacity", "impact-share"]
    assert list(inquiry.messages.values_list("body", "from_provider")) == [(VALID["body"], False)]
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [member.email]
    assert "Annotation team for 2027" in email.subject
    assert "We need 40 annotators" in email.body and "Acme Corp" in email.body
    assert "What capacity" in email.body
    assert f"/dashboard/inquiries/{inquiry.pk}/" in email.body
    page = buyer_client.get(inquiry.get_buyer_url()).content.decode()
    assert "We need 40 annotators" in page and "What share of the team" in page


def test_listing_without_staff_gets_the_public_contact_address(buyer_client):
    unclaimed = ProviderFactory(slug="unclaimed", contact_email="hello@unclaimed.example")
    mail.outbox.clear()
    send(buyer_client, provider=unclaimed.slug)
    assert [m.to for m in mail.outbox] == [["hello@unclaimed.example"]]


def test_send_to_a_whole_shortlist_opens_one_private_thread_each(buyer_client, buyer):
    a, b = ProviderFactory(slug="a-co"), ProviderFactory(slug="b-co")
    gone = ProviderFactory(slug="gone-co")
    staff_a = MembershipFactory(provider=a).user
    staff_b = MembershipFactory(provider=b).user
    shortlist = services.shortlist_create(owner=buyer, name="Finalists")
    for p in (a, b, gone):
        services.shortlist_add(shortlist=shortlist, user=buyer, provider=p)
    gone.status = ListingStatus.INACTIVE
    gone.save()
    form = buyer_client.get(reverse("buyers:inquiry_new") + f"?shortlist={shortlist.pk}")
    assert "Not published any more, so left out" in form.content.decode()
    mail.outbox.clear()
    response = send(buyer_client, shortlist=shortlist.pk)
    assert response.status_code == 302
    assert sorted(Inquiry.objects.values_list("provider__slug", flat=True)) == ["a-co", "b-co"]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([staff_a.email, staff_b.email])
    thread_a = Inquiry.objects.get(provider=a)
    thread_b = Inquiry.objects.get(provider=b)
    # Each provider's staff see their own thread and not the other's.
    for user, own, other in [(staff_a, thread_a, thread_b), (staff_b, thread_b, thread_a)]:
        buyer_client.force_login(user)
        assert buyer_client.get(own.get_provider_url()).status_code == 200
        assert buyer_client.get(other.get_provider_url()).status_code == 404
        inbox = buyer_client.get(reverse("dashboard:inbox")).content.decode()
        assert own.get_provider_url() in inbox and other.get_provider_url() not in inbox


def test_thread_visibility_only_the_two_sides(client, buyer, other_buyer, provider, member):
    [inquiry] = services.inquiry_send(buyer=buyer, providers=[provider], **_kw())
    outsider = IsspUserFactory(email="outsider@issp.example")
    MembershipFactory(user=outsider)  # a member of some other provider
    urls = [inquiry.get_buyer_url(), inquiry.get_provider_url()]

    client.force_login(buyer)
    assert client.get(inquiry.get_buyer_url()).status_code == 200
    assert client.get(inquiry.get_provider_url()).status_code == 404
    client.force_login(member)
    assert client.get(inquiry.get_provider_url()).status_code == 200
    # ISSP staff have a side of their own (inquiries they send), not this buyer's thread.
    assert client.get(inquiry.get_buyer_url()).status_code == 404
    for user in (other_buyer, outsider):
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code in (403, 404)
            assert "Annotation team" not in response.content.decode()
        inbox = client.get(reverse("dashboard:inbox")).content.decode()
        assert "Annotation team" not in inbox
    client.logout()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def _kw(**extra):
    return {"subject": VALID["subject"], "body": VALID["body"], "questions": [], **extra}


def test_reply_both_ways_and_close(client, buyer, provider, member):
    [inquiry] = services.inquiry_send(buyer=buyer, providers=[provider], **_kw())
    mail.outbox.clear()
    client.force_login(member)
    response = client.post(
        reverse("dashboard:inbox_reply", args=[inquiry.pk]), {"body": "We have 60 seats free."}
    )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[buyer.email]]
    assert "We have 60 seats free." in mail.outbox[0].body
    assert f"/inquiries/{inquiry.pk}/" in mail.outbox[0].body

    client.force_login(buyer)
    page = client.get(inquiry.get_buyer_url()).content.decode()
    assert "We have 60 seats free." in page
    mail.outbox.clear()
    client.post(reverse("buyers:inquiry_reply", args=[inquiry.pk]), {"body": "Great, pricing?"})
    assert [m.to for m in mail.outbox] == [[member.email]]

    client.force_login(member)
    mail.outbox.clear()
    client.post(reverse("dashboard:inbox_close", args=[inquiry.pk]))
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.CLOSED and inquiry.closed_at
    assert [m.to for m in mail.outbox] == [[buyer.email]]
    assert "closed" in mail.outbox[0].subject.lower()

    client.force_login(buyer)
    mail.outbox.clear()
    response = client.post(
        reverse("buyers:inquiry_reply", args=[inquiry.pk]), {"body": "One more thing"}, follow=True
    )
    assert "This inquiry is closed" in response.content.decode()
    assert inquiry.messages.count() == 3
    assert mail.outbox == []


def test_outsiders_cannot_reply_or_close(client, buyer, other_buyer, provider, member):
    [inquiry] = services.inquiry_send(buyer=buyer, providers=[provider], **_kw())
    client.force_login(other_buyer)
    for name in ["buyers:inquiry_reply", "buyers:inquiry_close", "dashboard:inbox_reply"]:
        response = client.post(reverse(name, args=[inquiry.pk]), {"body": "spam"})
        assert response.status_code == 404
    client.force_login(IsspUserFactory())
    for name in ["dashboard:inbox_reply", "dashboard:inbox_close"]:
        assert client.post(reverse(name, args=[inquiry.pk]), {"body": "x"}).status_code == 404
    inquiry.refresh_from_db()
    assert inquiry.status == "open" and inquiry.messages.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"subject": ""},
        {"body": "   "},
        {"body": "x" * 5001},
        {"subject": "s" * 201},
        {"questions": ["capacity", "salary"]},
    ],
)
def test_bad_input_sends_nothing(buyer_client, provider, member, data):
    mail.outbox.clear()
    response = send(buyer_client, provider=provider.slug, **data)
    assert response.status_code == 400
    assert Inquiry.objects.count() == 0 and mail.outbox == []


def test_unknown_or_unpublished_target(buyer_client, buyer, other_buyer):
    draft = ProviderFactory(status=ListingStatus.DRAFT)
    assert send(buyer_client, provider=draft.slug).status_code == 404
    assert send(buyer_client, provider="nope").status_code == 404
    assert send(buyer_client, provider="bad\x00slug").status_code == 404
    theirs = services.shortlist_create(owner=other_buyer, name="Theirs")
    assert send(buyer_client, shortlist=theirs.pk).status_code == 404
    assert send(buyer_client, shortlist="1 OR 1=1").status_code == 404
    assert send(buyer_client).status_code == 302
    assert Inquiry.objects.count() == 0


def test_rate_limited_per_buyer_per_hour(buyer_client, buyer, other_buyer, settings):
    settings.BUYERS_INQUIRIES_PER_HOUR = 3
    providers = [ProviderFactory() for _ in range(4)]
    for p in providers[:2]:
        assert send(buyer_client, provider=p.slug).status_code == 302
    shortlist = services.shortlist_create(owner=buyer, name="Two more")
    for p in providers[2:]:
        services.shortlist_add(shortlist=shortlist, user=buyer, provider=p)
    mail.outbox.clear()
    response = send(buyer_client, shortlist=shortlist.pk)
    assert response.status_code == 400
    assert "at most 3 inquiries an hour" in response.content.decode()
    assert Inquiry.objects.count() == 2 and mail.outbox == []
    assert send(buyer_client, provider=providers[2].slug).status_code == 302
    assert send(buyer_client, provider=providers[3].slug).status_code == 400
    assert Inquiry.objects.filter(buyer=buyer).count() == 3
    # Another buyer has their own allowance.
    buyer_client.force_login(other_buyer)
    assert send(buyer_client, provider=providers[3].slug).status_code == 302


def test_replies_are_rate_limited(client, buyer, provider, member, settings):
    settings.BUYERS_MESSAGES_PER_HOUR = 2
    [inquiry] = services.inquiry_send(buyer=buyer, providers=[provider], **_kw())
    client.force_login(member)
    for n in range(3):
        client.post(reverse("dashboard:inbox_reply", args=[inquiry.pk]), {"body": f"reply {n}"})
    assert list(
        InquiryMessage.objects.filter(from_provider=True).values_list("body", flat=True)
    ) == ["reply 0", "reply 1"]


def test_inbox_and_sent_lists_filter_by_status(client, buyer, provider, member):
    (one,) = services.inquiry_send(buyer=buyer, providers=[provider], **_kw(subject="First one"))
    services.inquiry_send(buyer=buyer, providers=[provider], **_kw(subject="Second one"))
    services.inquiry_close(inquiry=one, user=member)
    client.force_login(member)
    open_only = client.get(reverse("dashboard:inbox") + "?status=open").content.decode()
    assert "Second one" in open_only and "First one" not in open_only
    everything = client.get(reverse("dashboard:inbox") + "?status=bogus").content.decode()
    assert "Second one" in everything and "First one" in everything
    client.force_login(buyer)
    closed = client.get(reverse("buyers:inquiries") + "?status=closed").content.decode()
    assert "First one" in closed and "Second one" not in closed


def test_the_provider_never_sees_the_buyers_email_address(client, provider, member):
    from tests.factories import BuyerFactory

    nameless = BuyerFactory(email="private.person@buyer.example", name="")
    mail.outbox.clear()
    [inquiry] = services.inquiry_send(buyer=nameless, providers=[provider], **_kw())
    assert "private.person" not in mail.outbox[0].body
    client.force_login(member)
    for url in [inquiry.get_provider_url(), reverse("dashboard:inbox")]:
        html = client.get(url).content.decode()
        assert "private.person" not in html and "A buyer" in html


@pytest.mark.parametrize("side", ["buyer", "provider"])
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("   ", "Write your reply before sending it."),
        ("Long reply words. " * 300, "Shorten your reply to at most 5,000 characters"),
    ],
)
def test_a_reply_in_error_keeps_its_text_and_says_why(
    client, buyer, provider, member, side, body, message
):
    [inquiry] = services.inquiry_send(buyer=buyer, providers=[provider], **_kw())
    client.force_login(buyer if side == "buyer" else member)
    name = "buyers:inquiry_reply" if side == "buyer" else "dashboard:inbox_reply"
    mail.outbox.clear()
    response = client.post(reverse(name, args=[inquiry.pk]), {"body": body})
    assert response.status_code == 400
    html = response.content.decode()
    # The GOV.UK error summary, its entry linking to the reply box, which holds what was typed.
    assert "There is a problem" in html and 'href="#id_body"' in html
    assert message in html
    if body.strip():
        assert body.strip()[:200] in html
    assert inquiry.messages.count() == 1 and mail.outbox == []
    # The thread itself is still shown above the form.
    assert VALID["body"] in html


def test_a_reply_to_a_closed_thread_is_refused_in_the_summary(client, buyer, provider, member):
    [inquiry] = services.inquiry_send(buyer=buyer, providers=[provider], **_kw())
    services.inquiry_close(inquiry=inquiry, user=member)
    client.force_login(buyer)
    response = client.post(
        reverse("buyers:inquiry_reply", args=[inquiry.pk]), {"body": "Typed after it closed"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and "This inquiry is closed" in html
    assert inquiry.messages.count() == 1


@pytest.mark.parametrize("each", [1, 3])
def test_an_inquiry_to_many_listings_reads_the_same_queries_however_many(
    buyer, each, django_assert_num_queries
):
    # Get or create: a transactional test before this one may have flushed the taxonomies.
    portuguese, _ = Language.objects.get_or_create(code="pt", defaults={"name": "Portuguese"})
    pks = []
    for n in range(each):
        claimed = ProviderFactory(slug=f"claimed-{n}")
        staff = IsspUserFactory(email=f"staff-{n}@claimed.example", language="fr")
        MembershipFactory(provider=claimed, user=staff)
        unclaimed = ProviderFactory(
            slug=f"unclaimed-{n}", contact_email=f"hello@unclaimed-{n}.example"
        )
        unclaimed.listing_languages.set([portuguese])
        pks += [claimed.pk, unclaimed.pk]
    providers = list(Provider.objects.filter(pk__in=pks).order_by("pk"))
    mail.outbox.clear()
    # Reads, once whatever the number of listings: whether any is the buyer's own, the
    # buyer's row (locked), the hour's threads, which listings have staff (their
    # addresses), the unclaimed listings' languages, the readers' languages. Writes: the
    # transaction, the batch, then a thread and its first message per listing and the
    # claim link of an unclaimed one.
    with django_assert_num_queries(9 + 5 * each) as queries:
        services.inquiry_send(
            buyer=buyer, providers=providers, subject=VALID["subject"], body=VALID["body"]
        )
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(reads) == 6, reads
    # Each still in its reader's language: staff chose French, the listing is in Portuguese.
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert len(bodies) == 2 * each
    for n in range(each):
        assert "/fr/dashboard/inquiries/" in bodies[f"staff-{n}@claimed.example"]
        assert "/pt/dashboard/inquiries/claim/" in bodies[f"hello@unclaimed-{n}.example"]
