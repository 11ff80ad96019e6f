"""Pages of event subscriptions: the list and its form, one subscription with its actions and
delivery log, privileges, tenants, escaping and query counts."""

import itertools
import re
from urllib.parse import quote, unquote

import pytest
from django.core import signing
from django.urls import reverse

from csadmin.pluginlib import paging
from csadmin.testing import make_user
from plugins.webhooks import services
from plugins.webhooks.models import Delivery, DeliveryAttempt, Subscription

pytestmark = pytest.mark.django_db

LIST = reverse("webhooks:list")
XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def hosts(settings):
    """Targets named hooks.test pass the address check without DNS."""
    settings.CSADMIN_WEBHOOK_ALLOWED_HOSTS = ["hooks.test"]


@pytest.fixture
def browser(client, admin):
    client.force_login(admin)  # admin's default tenant is `tenant`
    return client


@pytest.fixture
def reader(client, tenant):
    client.force_login(make_user("sup", tenant, ["Supervisor"]))
    return client


def make_subscription(tenant, admin, **body):
    body.setdefault("name", "Orders app")
    body.setdefault("target_url", "https://hooks.test/cs")
    subscription, _ = services.subscription_create(tenant=tenant, body=body, actor=admin)
    return subscription


@pytest.fixture
def subscription(hosts, tenant, admin):
    return make_subscription(tenant, admin)


def detail(subscription):
    return reverse("webhooks:detail", args=[subscription.pk])


def url(name, subscription, *more):
    return reverse(f"webhooks:{name}", args=[subscription.pk, *more])


def new_form(**fields):
    form = {
        "name": "Billing",
        "target_url": "https://hooks.test/billing",
        "kinds": ["service.start", "service.end"],
        "customers": "all",
        "customer_id": "",
        "failure_limit": "5",
        "other_types": "",
    }
    form.update(fields)
    return form


_event_ids = itertools.count(1)


def log_rows(subscription, count, *, status=Delivery.Status.DELIVERED):
    """`count` deliveries of distinct events (an event is one delivery per subscription)."""
    Delivery.objects.bulk_create(
        Delivery(
            subscription=subscription,
            kind="service.start",
            service_id=f"S{n}",
            event_id=next(_event_ids),
            event={"kind": "service.start", "service_id": f"S{n}"},
            status=status,
            attempts=1,
            last_status_code=200,
            last_latency_ms=3,
            last_response='{"ok": true}',
        )
        for n in range(count)
    )


def errors_of(html: str, field: str) -> list[str]:
    return re.findall(rf'data-error="{field}">([^<]*)<', html)


# -- list and form -----------------------------------------------------------------------------


def test_list_shows_subscriptions_and_the_form_to_managers(browser, subscription):
    html = browser.get(LIST).content.decode()
    assert "Orders app" in html and "https://hooks.test/cs" in html
    assert 'data-testid="new-subscription"' in html
    assert 'name="kinds" value="state.transition"' in html
    assert html.count('name="kinds"') == 7  # every kind, all checked for a new one
    assert html.count(" checked>") >= 7
    assert "active" in html and "none yet" in html


def test_the_form_offers_the_tenants_service_types(browser, hosts, tenant):
    from plugins.services.models import BusinessAttribute, BusinessAttributeValue

    attribute = BusinessAttribute.objects.create(tenant=tenant, name="Service.type")
    BusinessAttributeValue.objects.create(attribute=attribute, name="Sales")
    html = browser.get(LIST).content.decode()
    assert 'name="service_types" value="Sales"' in html
    browser.post(LIST, new_form(service_types=["Sales"], other_types="Repair, Billing "))
    assert Subscription.objects.get(name="Billing").service_types == [
        "Sales",
        "Repair",
        "Billing",
    ]


def test_create_redirects_to_the_page_that_shows_the_secret_once(browser, hosts):
    response = browser.post(LIST, new_form())
    subscription = Subscription.objects.get(name="Billing")
    assert response.status_code == 302 and response["Location"] == detail(subscription)
    assert subscription.kinds == ["service.start", "service.end"]
    assert subscription.failure_limit == 5 and subscription.active
    first = browser.get(detail(subscription)).content.decode()
    assert "Subscription Billing created." in first
    assert subscription.secret in first and 'data-testid="new-secret"' in first
    again = browser.get(detail(subscription)).content.decode()
    assert subscription.secret not in again and "new-secret" not in again


def test_an_own_secret_is_kept_and_shown_once(browser, hosts):
    secret = "my-own-secret-0123456789"
    browser.post(LIST, new_form(secret=secret))
    subscription = Subscription.objects.get(name="Billing")
    assert subscription.secret == secret
    assert secret in browser.get(detail(subscription)).content.decode()
    assert secret not in browser.get(detail(subscription)).content.decode()


def test_an_empty_failure_limit_takes_the_default(browser, hosts, settings):
    settings.CSADMIN_WEBHOOK_FAILURE_LIMIT = 7
    assert 'name="failure_limit" value="7"' in browser.get(LIST).content.decode()
    browser.post(LIST, new_form(failure_limit=""))
    assert Subscription.objects.get(name="Billing").failure_limit == 7


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"target_url": "ftp://hooks.test/x"}, "target_url", "http:// or https://"),
        ({"target_url": "not a url"}, "target_url", "spaces"),
        ({"target_url": "https://u:p@hooks.test/x"}, "target_url", "credentials"),
        ({"target_url": "http://127.0.0.1:8000/hook"}, "target_url", "loopback"),
        ({"kinds": []}, "kinds", "at least one kind"),
        ({"kinds": ["service.start", "bogus"]}, "kinds", "unknown kind"),
        ({"name": ""}, "name", "is required"),
        ({"failure_limit": "0"}, "failure_limit", "from 1 to 1000"),
        ({"failure_limit": "ten"}, "failure_limit", "from 1 to 1000"),
        ({"failure_limit": "²"}, "failure_limit", "from 1 to 1000"),
        ({"customers": "anonymous", "customer_id": "C1"}, "customer_id", "must be empty"),
        ({"customers": "some"}, "customers", "must be one of"),
        ({"secret": "short"}, "secret", "16 to 128"),
        ({"other_types": "a\x00b"}, "service_types", "NUL"),
        ({"name": "a\x00b"}, "name", "NUL"),
    ],
)
def test_refusals_are_shown_next_to_their_field(browser, hosts, fields, field, says):
    response = browser.post(LIST, new_form(**fields))
    html = response.content.decode()
    assert response.status_code == 400
    assert any(says in message for message in errors_of(html, field)), errors_of(html, field)
    assert "The subscription was not created" in html
    assert not Subscription.objects.exists()
    assert "\x00" not in html


def test_a_refused_form_keeps_what_was_typed_but_not_the_secret(browser, hosts):
    secret = "typed-secret-0123456789"
    html = browser.post(LIST, new_form(kinds=["state.end"], name="", secret=secret)).content
    html = html.decode()
    assert 'value="https://hooks.test/billing"' in html
    assert 'value="state.end" checked' in html and 'value="service.start" checked' not in html
    assert secret not in html


def test_loopback_is_accepted_once_allowed(browser, settings):
    settings.CSADMIN_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    response = browser.post(LIST, new_form(target_url="http://127.0.0.1:9/hook"))
    assert response.status_code == 302


def test_a_taken_name_is_refused_by_field(browser, subscription):
    html = browser.post(LIST, new_form(name="Orders app")).content.decode()
    assert errors_of(html, "name") == ["a subscription named Orders app already exists"]


# -- privileges and tenants --------------------------------------------------------------------


def test_readers_see_the_pages_without_forms_or_buttons(reader, subscription):
    listing = reader.get(LIST)
    assert listing.status_code == 200
    assert b"Orders app" in listing.content and b"new-subscription" not in listing.content
    page = reader.get(detail(subscription))
    assert page.status_code == 200
    for button in (b"Pause", b"Send test event", b"Rotate secret", b"Delete", b"edit-subscription"):
        assert button not in page.content
    log_rows(subscription, 1)
    assert b"Redeliver" not in reader.get(detail(subscription)).content


def test_readers_posts_are_refused_with_the_403_page(reader, subscription):
    log_rows(subscription, 1)
    delivery = Delivery.objects.get()
    posts = [
        (LIST, new_form()),
        (detail(subscription), new_form(name="Renamed")),
        (url("active", subscription), {"active": "false"}),
        (url("test", subscription), {}),
        (url("secret", subscription), {}),
        (url("delete", subscription), {}),
        (url("redeliver", subscription, delivery.delivery_id), {}),
    ]
    for address, form in posts:
        response = reader.post(address, form)
        assert response.status_code == 403, address
        assert b"webhooks.manage" in response.content
    assert reader.get(url("delete", subscription)).status_code == 403
    subscription.refresh_from_db()
    assert subscription.name == "Orders app" and subscription.active
    assert Subscription.objects.count() == 1 and Delivery.objects.count() == 1


def test_users_without_the_privilege_cannot_see_the_pages(client, tenant, subscription):
    client.force_login(make_user("agent", tenant, ["Agent Application"]))
    assert client.get(LIST).status_code == 403
    assert client.get(detail(subscription)).status_code == 403


def test_another_tenants_subscription_is_not_found(browser, hosts, other_tenant):
    owner = make_user("globex", other_tenant, ["Administrator"])
    theirs = make_subscription(other_tenant, owner, name="Theirs")
    log_rows(theirs, 1)
    delivery = Delivery.objects.get()
    assert browser.get(detail(theirs)).status_code == 404
    assert browser.get(url("delete", theirs)).status_code == 404
    assert browser.get(url("delivery", theirs, delivery.delivery_id)).status_code == 404
    for name in ("active", "test", "secret", "delete"):
        assert browser.post(url(name, theirs), {"active": "false"}).status_code == 404, name
    assert browser.post(url("redeliver", theirs, delivery.delivery_id)).status_code == 404
    assert browser.post(detail(theirs), new_form()).status_code == 404
    theirs.refresh_from_db()
    assert theirs.active and theirs.name == "Theirs" and Delivery.objects.count() == 1
    assert b"Theirs" not in browser.get(LIST).content


def test_unknown_ids_are_not_found(browser, subscription):
    assert browser.get(reverse("webhooks:detail", args=[999999])).status_code == 404
    for delivery_id in ("nope", "00000000-0000-0000-0000-000000000000"):
        assert browser.get(url("delivery", subscription, delivery_id)).status_code == 404
        assert browser.post(url("redeliver", subscription, delivery_id)).status_code == 404


# -- one subscription --------------------------------------------------------------------------


def test_settings_are_changed_from_the_page(browser, subscription):
    form = new_form(name="Orders v2", kinds=["task.end"], customers="identified")
    response = browser.post(detail(subscription), form)
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.name == "Orders v2" and subscription.kinds == ["task.end"]
    assert subscription.customers == "identified" and subscription.failure_limit == 5
    assert "Subscription Orders v2 saved." in browser.get(detail(subscription)).content.decode()


def test_a_refused_change_is_shown_by_field_and_saves_nothing(browser, subscription):
    response = browser.post(detail(subscription), new_form(kinds=[], failure_limit=""))
    html = response.content.decode()
    assert response.status_code == 400
    assert errors_of(html, "kinds") == ["must name at least one kind of event"]
    assert errors_of(html, "failure_limit") == ["must be an integer from 1 to 1000"]
    assert '<details class="edit" open>' in html
    subscription.refresh_from_db()
    assert subscription.name == "Orders app" and len(subscription.kinds) == 7


def test_pause_and_resume_say_why_it_is_paused(browser, subscription):
    browser.post(url("active", subscription), {"active": "false"})
    subscription.refresh_from_db()
    assert not subscription.active
    html = browser.get(detail(subscription)).content.decode()
    assert "Paused by root. Events recorded while it is paused" in html and ">Resume<" in html
    assert "Paused by root" in browser.get(LIST).content.decode()
    browser.post(url("active", subscription), {"active": "true"})
    subscription.refresh_from_db()
    assert subscription.active and not subscription.paused_reason
    html = browser.get(detail(subscription)).content.decode()
    assert "paused-reason" not in html and ">Pause<" in html


def test_a_self_paused_subscription_shows_its_reason(browser, subscription):
    Subscription.objects.filter(pk=subscription.pk).update(
        active=False, paused_reason="Paused by itself after 3 consecutive failed deliveries"
    )
    html = browser.get(detail(subscription)).content.decode()
    assert "Paused by itself after 3 consecutive failed deliveries" in html


def test_a_test_event_arrives_and_shows_in_the_log(
    browser, tenant, admin, receiver, django_capture_on_commit_callbacks
):
    subscription = make_subscription(tenant, admin, target_url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(url("test", subscription))
    assert response.status_code == 302
    assert len(receiver.wait_for(1)) == 1
    assert receiver.received[0].json["kind"] == "test"
    html = browser.get(detail(subscription)).content.decode()
    assert "Test event queued" in html
    row = re.search(r'<tr data-delivery="[^"]+" data-status="delivered">.*?</tr>', html, re.S)
    assert row is not None
    assert '<td data-testid="delivery-code">200</td>' in row.group(0)
    assert "Redeliver" in row.group(0) and "{&quot;ok&quot;: true}" in row.group(0)


def test_the_log_polls_itself_and_an_htmx_request_gets_the_log_alone(browser, subscription):
    log_rows(subscription, 2)
    page = browser.get(detail(subscription)).content.decode()
    assert 'hx-trigger="every 2s [!document.hidden]"' in page
    part = browser.get(detail(subscription), headers={"HX-Request": "true"})
    html = part.content.decode()
    assert part.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section class="card" id="delivery-log"')
    assert 'hx-trigger="every 2s [!document.hidden]"' in html
    assert html.count("<tr data-delivery=") == 2
    assert "HX-Request" in part["Vary"]


def pending_in(html: str) -> str:
    return re.search(r'data-testid="pending-count">(\d+)<', html).group(1)


def test_the_polled_log_brings_the_pending_count_up_to_date(browser, subscription):
    poll = {"HX-Request": "true"}
    assert pending_in(browser.get(detail(subscription)).content.decode()) == "0"
    log_rows(subscription, 3, status=Delivery.Status.PENDING)
    log_rows(subscription, 2)
    html = browser.get(detail(subscription), headers=poll).content.decode()
    assert pending_in(html) == "3" and "held while the subscription is paused" not in html
    Subscription.objects.filter(pk=subscription.pk).update(active=False)
    html = browser.get(detail(subscription), headers=poll).content.decode()
    assert pending_in(html) == "3" and "held while the subscription is paused" in html


def test_a_secret_waiting_to_be_shown_is_not_spent_by_the_polling(browser, hosts):
    browser.post(LIST, new_form())
    subscription = Subscription.objects.get()
    browser.get(detail(subscription), headers={"HX-Request": "true"})
    assert subscription.secret in browser.get(detail(subscription)).content.decode()


def test_the_log_is_keyset_paged_newest_first(browser, subscription):
    log_rows(subscription, 30)
    ids = list(Delivery.objects.order_by("-id").values_list("id", flat=True))
    first = browser.get(detail(subscription)).content.decode()
    assert first.count("<tr data-delivery=") == 25
    after = re.search(r'href="\?after=([^"]+)" data-testid="log-next"', first).group(1)
    after = unquote(after)
    assert signing.Signer(salt=paging.SALT).unsign_object(after)[1] == ids[24]
    assert first.index("event 29<") < first.index("event 28<")
    second = browser.get(detail(subscription), {"after": after}).content.decode()
    assert second.count("<tr data-delivery=") == 5 and "log-next" not in second
    assert f"?after={quote(after)}" in second  # the polling keeps to this page
    # Not a cursor the log gave out (raw row ids included): 400, not a silent first page.
    for junk in ("x", "-1", "²", "9" * 40, "1\x00", str(ids[24])):
        response = browser.get(detail(subscription), {"after": junk})
        assert response.status_code == 400 and b"<tr data-delivery=" not in response.content


def test_redeliver_sends_again_as_a_new_delivery(
    browser, tenant, admin, receiver, django_capture_on_commit_callbacks
):
    subscription = make_subscription(tenant, admin, target_url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(url("test", subscription))
    original = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(url("redeliver", subscription, original.delivery_id))
    assert response.status_code == 302
    assert len(receiver.wait_for(2)) == 2
    copy = Delivery.objects.exclude(pk=original.pk).get()
    assert copy.redelivery_of == original.delivery_id and copy.status == "delivered"
    assert receiver.received[1].headers["X-CS-Delivery"] == str(copy.delivery_id)
    html = browser.get(detail(subscription)).content.decode()
    assert "Event queued again as a new delivery." in html and "redelivery" in html


def test_redelivering_a_pending_delivery_is_refused_with_a_message(browser, subscription):
    log_rows(subscription, 1, status=Delivery.Status.PENDING)
    pending = Delivery.objects.get()
    response = browser.post(url("redeliver", subscription, pending.delivery_id), follow=True)
    assert response.status_code == 200
    assert "is still pending" in response.content.decode()
    assert Delivery.objects.count() == 1
    assert b"Redeliver</button>" not in browser.get(detail(subscription)).content


def test_the_delivery_page_lists_every_attempt(browser, subscription):
    log_rows(subscription, 1, status=Delivery.Status.FAILED)
    delivery = Delivery.objects.get()
    for number, code in ((1, 500), (2, 404)):
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=number,
            at=delivery.created_at,
            status_code=code,
            latency_ms=7,
            response_excerpt=f"answer {number}",
        )
    html = browser.get(detail(subscription)).content.decode()
    assert url("delivery", subscription, delivery.delivery_id) in html
    page = browser.get(url("delivery", subscription, delivery.delivery_id)).content.decode()
    assert "answer 1" in page and "answer 2" in page and "<td>500</td>" in page
    assert "&quot;service_id&quot;: &quot;S0&quot;" in page and "Redeliver" in page


def test_rotating_shows_the_new_secret_once(browser, subscription):
    old = subscription.secret
    asked = browser.get(url("secret", subscription)).content.decode()
    assert "Are you sure you want to rotate the secret of Orders app?" in asked
    subscription.refresh_from_db()
    assert subscription.secret == old  # asking is not rotating
    response = browser.post(url("secret", subscription))
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.secret != old
    html = browser.get(detail(subscription)).content.decode()
    assert subscription.secret in html and "has a new secret" in html
    assert subscription.secret not in browser.get(detail(subscription)).content.decode()


def test_delete_asks_first_then_removes_the_subscription_and_its_log(browser, subscription):
    log_rows(subscription, 3)
    confirm = browser.get(url("delete", subscription))
    html = confirm.content.decode()
    assert (
        confirm.status_code == 200
        and "Are you sure you want to delete subscription Orders app?" in html
    )
    assert "3 deliveries" in html
    assert Subscription.objects.exists()  # asking is not deleting
    response = browser.post(url("delete", subscription), follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "Subscription Orders app deleted with its log." in response.content.decode()
    assert not Subscription.objects.exists() and not Delivery.objects.exists()


# -- escaping and cost -------------------------------------------------------------------------


def test_names_urls_and_responses_are_escaped(
    browser, tenant, admin, receiver, django_capture_on_commit_callbacks
):
    receiver.answer_body = XSS.encode()
    subscription = make_subscription(tenant, admin, name=XSS, target_url=receiver.url + "?q=<b>")
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(url("test", subscription))
    receiver.wait_for(1)
    delivery = Delivery.objects.get()
    assert delivery.last_response == XSS
    pages = [
        browser.get(LIST),
        browser.get(detail(subscription)),
        browser.get(url("delivery", subscription, delivery.delivery_id)),
        browser.get(url("delete", subscription)),
    ]
    for page in pages:
        html = page.content.decode()
        assert XSS not in html and ESCAPED in html, page.request["PATH_INFO"]
        assert "?q=<b>" not in html
    assert html.count(ESCAPED) >= 2


def test_the_list_costs_the_same_whatever_its_length(
    browser, hosts, tenant, admin, django_assert_max_num_queries
):
    first = make_subscription(tenant, admin, name="S0")
    log_rows(first, 2)
    browser.get(LIST)
    with django_assert_max_num_queries(9):
        assert browser.get(LIST).status_code == 200
    for n in range(1, 15):
        log_rows(make_subscription(tenant, admin, name=f"S{n}"), 2)
    with django_assert_max_num_queries(9):
        html = browser.get(LIST).content.decode()
    assert html.count("<tr data-subscription=") == 15


def test_the_page_costs_the_same_whatever_its_log(
    browser, subscription, django_assert_max_num_queries
):
    log_rows(subscription, 1)
    browser.get(detail(subscription))
    with django_assert_max_num_queries(11):
        assert browser.get(detail(subscription)).status_code == 200
    log_rows(subscription, 40)
    with django_assert_max_num_queries(11):
        html = browser.get(detail(subscription)).content.decode()
    assert html.count("<tr data-delivery=") == 25
    with django_assert_max_num_queries(9):
        browser.get(detail(subscription), headers={"HX-Request": "true"})
