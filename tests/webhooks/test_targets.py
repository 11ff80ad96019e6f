"""Where a subscription may send events: the URL's form and the addresses behind it."""

from __future__ import annotations

import pytest

from plugins.webhooks.targets import TargetRefused, check_target


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("", "is required"),
        ("ftp://example.com/x", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("https://user:pw@93.184.215.14/hook", "credentials"),
        ("https://93.184.215.14/hook#part", "fragment"),
        ("https:///hook", "must name a host"),
        ("https://93.184.215.14/a b", "spaces"),
        ("http://127.0.0.1:8000/hook", "private, loopback or reserved"),
        ("http://localhost/hook", "private, loopback or reserved"),
        ("http://10.1.2.3/hook", "private, loopback or reserved"),
        ("http://192.168.0.10/hook", "private, loopback or reserved"),
        ("http://169.254.169.254/latest/meta-data", "private, loopback or reserved"),
        ("http://[::1]/hook", "private, loopback or reserved"),
        ("http://0.0.0.0/hook", "private, loopback or reserved"),
        ("http://host.invalid/hook", "cannot be resolved"),
    ],
)
def test_refused_targets_name_their_rule(url, rule, settings):
    settings.CSADMIN_WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(TargetRefused, match=rule):
        check_target(url)


def test_a_public_address_is_accepted(settings):
    settings.CSADMIN_WEBHOOK_ALLOWED_HOSTS = []
    check_target("https://93.184.215.14:8443/hooks/cs?x=1")


@pytest.mark.parametrize("allowed", ["127.0.0.1", "127.0.0.0/8", "localhost"])
def test_an_allowed_host_or_network_may_be_private(allowed, settings):
    settings.CSADMIN_WEBHOOK_ALLOWED_HOSTS = [allowed]
    host = "localhost" if allowed == "localhost" else "127.0.0.1"
    check_target(f"http://{host}:8080/hook")
    with pytest.raises(TargetRefused):
        check_target("http://10.0.0.1/hook")


def test_only_allowed_hosts_mode_refuses_every_other_host(settings):
    settings.CSADMIN_WEBHOOK_ALLOWED_HOSTS = ["93.184.215.0/24"]
    settings.CSADMIN_WEBHOOK_ONLY_ALLOWED_HOSTS = True
    check_target("https://93.184.215.14/hook")
    with pytest.raises(TargetRefused, match="not in the allowed hosts"):
        check_target("https://8.8.8.8/hook")
