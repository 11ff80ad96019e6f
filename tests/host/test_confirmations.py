"""Every destructive control goes through the one confirmation page: no template asks with a
browser dialog (confirm(), hx-confirm) and the host exports the pattern to plug-ins."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Cancelling a job stops work, it destroys no data: its page keeps its own dialog.
LEFT_ALONE = {Path("csadmin/jobs/templates")}


def templates():
    for base in ("templates", "csadmin", "plugins"):
        for path in sorted((ROOT / base).rglob("*.html")):
            relative = path.relative_to(ROOT)
            if not any(relative.is_relative_to(skip) for skip in LEFT_ALONE):
                yield relative


@pytest.mark.parametrize("path", list(templates()), ids=str)
def test_no_template_asks_with_a_browser_dialog(path):
    text = (ROOT / path).read_text()
    assert "confirm(" not in text and "hx-confirm" not in text


def test_plugins_get_the_confirmation_page_from_pluginlib():
    import csadmin.pluginlib as pluginlib
    from csadmin.ui.confirm import ConfirmActionView, Confirmation

    assert pluginlib.ConfirmActionView is ConfirmActionView
    assert pluginlib.Confirmation is Confirmation
