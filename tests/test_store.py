"""The store: a private SQLite file, WAL, recorded migrations, encrypted fields."""

import pytest
from cryptography.fernet import Fernet

from bot.errors import KeyMissing, WrongKey
from bot.store import Store


def test_a_new_store_is_private_uses_wal_and_records_its_migrations(tmp_path):
    store = Store(tmp_path / "data" / "policybot.db", Fernet.generate_key())
    assert (tmp_path / "data" / "policybot.db").stat().st_mode & 0o777 == 0o600
    assert store.query("PRAGMA journal_mode")[0]["journal_mode"] == "wal"
    assert store.applied_migrations() == [
        "m001_reports",
        "m002_submission_keys",
        "m003_sealed_records",
        "m004_undeliverable_notices",
        "m005_policy_campaigns",
        "m006_campaign_submissions",
        "m007_confirmations_per_version",
        "m008_evidence",
        "m009_learning",
    ]
    store.close()
    again = Store(tmp_path / "data" / "policybot.db", None)
    assert again.applied_migrations() == [
        "m001_reports",
        "m002_submission_keys",
        "m003_sealed_records",
        "m004_undeliverable_notices",
        "m005_policy_campaigns",
        "m006_campaign_submissions",
        "m007_confirmations_per_version",
        "m008_evidence",
        "m009_learning",
    ]  # once each


def test_round_trip_and_key_errors(tmp_path):
    key = Fernet.generate_key()
    store = Store(tmp_path / "p.db", key)
    token = store.encrypt_json({"pupil": "Amy"})
    assert "Amy" not in token
    assert store.decrypt_json(token) == {"pupil": "Amy"}
    store.close()
    with pytest.raises(WrongKey):
        Store(tmp_path / "p.db", Fernet.generate_key())
    with pytest.raises(KeyMissing):
        Store(tmp_path / "p.db", None).decrypt(token)


def test_a_failed_transaction_leaves_nothing(tmp_path):
    store = Store(tmp_path / "p.db", Fernet.generate_key())
    with pytest.raises(RuntimeError), store.transaction() as db:
        db["counters"].insert({"kind": "concern", "year": 2026, "last": 1})
        raise RuntimeError("boom")
    assert store.query("SELECT COUNT(*) AS n FROM counters")[0]["n"] == 0


def test_a_database_from_the_first_release_is_upgraded_in_place(tmp_path):
    import sqlite_utils

    from bot.migrations import migrations
    from bot.reports.sealing import upgrade

    key = Fernet.generate_key()
    path = tmp_path / "policybot.db"
    old = sqlite_utils.Database(path)
    migrations.apply(old, stop_before="m002_submission_keys")  # as the first release left it
    old["reports"].insert(
        {
            "reference": "C-2026-0001",
            "kind": "concern",
            "status": "open",
            "created_at": "2026-01-05T10:00:00Z",
            "body": Fernet(key).encrypt(b'{"description": "Amy"}').decode(),
            "submitter_platform": "slack",
            "submitter_id": "U0STAFF01",
        }
    )
    old.close()

    store = Store(path, key)
    upgrade(store)  # what the report service (and key rotation, restore) does at its start
    assert store.applied_migrations() == [
        "m001_reports", "m002_submission_keys", "m003_sealed_records", "m004_undeliverable_notices",
        "m005_policy_campaigns",
        "m006_campaign_submissions",
        "m007_confirmations_per_version",
        "m008_evidence",
        "m009_learning",
    ]  # fmt: skip
    (row,) = store.query("SELECT * FROM reports")
    assert row["submitter_id"] is None and row["submission_tag"] is None
    assert store.decrypt_json(row["sealed"])["submitter_id"] == "U0STAFF01"
    assert store.decrypt_json(row["body"]) == {"description": "Amy"}
