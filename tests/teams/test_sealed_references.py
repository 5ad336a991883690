"""The Teams conversation references file maps people's ids to names and chats: without the key
it says nothing about who is who, and a file written before sealing is converted in place."""

import sqlite3

from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference
from cryptography.fernet import Fernet

from handlers.teams.references import LEGACY_TABLE, ReferenceStore

AAD = "aaaaaaaa-1111-2222-3333-444444444444"
TEAMS_ID = "29:1-tara-bot-scoped-id"


def reference() -> ConversationReference:
    return ConversationReference(
        service_url="https://smba.example/uk/",
        user=ChannelAccount(id=TEAMS_ID, name="Tara Teams", aad_object_id=AAD),
        bot=ChannelAccount(id="28:bot"),
        conversation=ConversationAccount(id="a:1:1-chat", conversation_type="personal",
                                         tenant_id="tenant-1"),
    )  # fmt: skip


def file_text(path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_a_person_is_found_by_either_id_but_the_file_names_no_one(tmp_path):
    key = Fernet.generate_key()
    path = tmp_path / "teams.db"
    store = ReferenceStore(path, key)
    store.remember(reference())
    store.mark_sent("C-2026-0001/1/concern", "activity-1")
    store.close()

    again = ReferenceStore(path, key)  # a restart
    assert again.find(AAD.upper()).name == "Tara Teams"
    assert again.find(TEAMS_ID).personal.conversation.id == "a:1:1-chat"
    assert again.was_sent("C-2026-0001/1/concern") and not again.was_sent("C-2026-0001/2/note")
    again.close()
    assert path.stat().st_mode & 0o777 == 0o600
    for secret in ("Tara Teams", AAD, TEAMS_ID, "a:1:1-chat", "C-2026-0001", "tenant-1"):
        assert secret.encode() not in file_text(path), secret


def test_a_file_from_before_sealing_is_converted_in_place(tmp_path):
    path = tmp_path / "teams.db"
    old = sqlite3.connect(path)
    old.execute(
        f"CREATE TABLE {LEGACY_TABLE} (teams_id TEXT PRIMARY KEY, aad_object_id TEXT, name TEXT, "
        "tenant_id TEXT, service_url TEXT, bot_id TEXT, personal TEXT, seen TEXT, updated_at TEXT)"
    )
    import json

    seen = json.dumps(reference().serialize())
    old.execute(
        f"INSERT INTO {LEGACY_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [TEAMS_ID, AAD, "Tara Teams", "tenant-1", "https://smba.example/uk/", "28:bot", seen,
         seen, "2026-11-01T09:00:00+00:00"],
    )  # fmt: skip
    old.execute("CREATE TABLE teams_sent_notices (key TEXT PRIMARY KEY, sent_at TEXT, "
                "activity_id TEXT)")  # fmt: skip
    old.execute("INSERT INTO teams_sent_notices VALUES ('C-2026-0001/1/concern', 'x', 'a-1')")
    old.commit()
    old.close()

    store = ReferenceStore(path, Fernet.generate_key())
    assert store.find(AAD).name == "Tara Teams"
    assert store.was_sent("C-2026-0001/1/concern")
    store.close()
    for secret in ("Tara Teams", AAD, "C-2026-0001"):
        assert secret.encode() not in file_text(path), secret


def test_without_a_key_nothing_about_people_is_written(tmp_path):
    store = ReferenceStore(tmp_path / "teams.db", None)
    store.remember(reference())
    assert store.find(AAD).name == "Tara Teams"
    store.close()
    assert not (tmp_path / "teams.db").exists()


def test_key_rotation_moves_the_references_to_the_new_key(tmp_path):
    from bot.sealed_table import reencrypt_file

    old, new = Fernet.generate_key(), Fernet.generate_key()
    path = tmp_path / "teams.db"
    store = ReferenceStore(path, old)
    store.remember(reference())
    store.mark_sent("C-2026-0001/1/concern")
    store.close()

    assert reencrypt_file(path, new + b"\n" + old) == 2
    only_new = ReferenceStore(path, new)
    assert only_new.find(AAD).name == "Tara Teams"
    assert only_new.was_sent("C-2026-0001/1/concern")
    only_new.close()
