"""A key rotation moves the staff directory and policy rounds too: under the new key alone
staff are still recognised, can confirm, and the head's record reads as before."""

from __future__ import annotations

from bot.campaigns.service import CampaignService
from bot.cli import main
from bot.keys.keyfile import parse_keys
from bot.reports.service import ReportService
from bot.store import Store

from .conftest import ANN, HEAD, STAFF


def test_after_a_key_rotation_staff_confirm_and_the_record_is_intact(
    staffed, settings, service, tmp_path, clock, capsys
):
    ref = staffed.publish(HEAD, "dress code", "all", "2026-12-04").reference
    staffed.confirm(STAFF, ref)
    service.store.close()

    new_file = tmp_path / "secrets" / "policybot-2.key"
    assert main(["key", "rotate", "--new-key-file", str(new_file)]) == 0
    capsys.readouterr()
    new_key = parse_keys(new_file.read_bytes())[0]

    store = Store(settings.db_path, new_key)  # the new key alone
    campaigns = CampaignService(ReportService(store, settings, clock=clock), staffed._handbook)
    assert campaigns.confirm(ANN, ref).ok
    again = campaigns.confirm(STAFF, ref)
    assert "already confirmed" in again.message  # the same person, recognised after the rotation
    assert (
        campaigns.progress(HEAD, ref).summary
        == "2 of 4 confirmed; outstanding: Bob Support, Gina Governor"
    )
    assert [c.reference for c in campaigns.my_campaigns(ANN)] == [ref]
    store.close()
