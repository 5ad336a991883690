"""Helpful / not-helpful votes on answers, so the headteacher can see which policy questions
staff find unclear. Platform-neutral: Slack and Teams buttons both call :meth:`FeedbackLog.record`.

A question can be a concern in disguise ("The head keeps messaging a Y9 pupil on Instagram, what
do I do?"), and the list of unclear questions is shown to a recipient of reports, who may be the
person it is about. So a question whose text looks like a concern is never stored, counted or
shown (:func:`keeps_question`): the answer points to ``/report-concern`` or
``/declare-relationship``, its words are ones that make the core suggest them, or it names a
person (a capitalised name, a title such as "Mr", initials such as "KB" or "K.B.") or a school
role ("the head", "a TA", "the DHT", "SLT", "Y9"). Two or three capitals are someone's initials
unless the policies themselves use that word ("PE", "ICT", "DBS": :func:`policy_terms`).
Front ends offer Helpful / Not helpful only for answers that pass (:func:`invites_feedback`), and
:meth:`FeedbackLog.record` checks again, since a button's value can be forged. The text is shown
to one configured role only (``[feedback] shown_to``, default the headteacher).

The configured people's names are refused in any case (``known_names``): the list's reader is
one of them. Questions can still hold other names the rule misses (a pupil's name typed in lower
case, or opening the question and also an English word), so their text is stored encrypted with the school's key; without a
key only a hash is kept and the listing says so. With a key, the question and voter hashes are
keyed (HMAC of the SHA-256, ``bot.keys``): a plain hash of "Can I give Poppy a lift?" or of a
Slack id could be confirmed by anyone guessing it. Hashes written before that are keyed at the
next open. Votes live in their own small SQLite file beside the reports database
(``feedback.db`` in the data dir), so this never touches the reports schema.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.composing import CONCERN_STEMS, DECLARE, FAMILY_STEMS, REPORT
from bot.retrieval.vocabulary import PLATFORM_NAMES, english_words, tokens

if TYPE_CHECKING:
    from bot.answers import Answer
    from bot.config import Settings

FEEDBACK_FILE = "feedback.db"  # in the data directory
NOT_KEPT = "(question text not kept: no encryption key configured)"
QUESTION_LIMIT = 1000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    question_hash TEXT NOT NULL,
    question_enc BLOB,
    helpful INTEGER NOT NULL,
    platform TEXT NOT NULL,
    user_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_question ON feedback (question_hash);
"""


@dataclass(frozen=True)
class UnclearQuestion:
    question: str
    not_helpful: int
    helpful: int
    last_at: str


# Words that point at one person at school rather than at a rule: staff roles and titles.
# "parent", "pupil", "staff" stay allowed: almost every policy question names those generically.
ROLE_WORDS = frozenset({
    "head", "heads", "headteacher", "headteachers", "headmaster", "headmistress", "deputy",
    "principal", "teacher", "teachers", "ta", "tas", "hlta", "assistant", "governor",
    "governors", "chair", "chairman", "dsl", "ddsl", "senco", "caretaker", "receptionist",
    "colleague", "colleagues", "manager", "bursar", "tutor", "coach", "nurse", "cook",
    "cleaner", "volunteer", "mr", "mrs", "ms", "miss", "mx", "dr", "sir",
}) | frozenset({  # as staff write them: head / deputy / assistant head, leadership, SENCO, …
    "ht", "dht", "aht", "slt", "senco", "sendco", "dsl", "ddsl", "dsp", "lsa", "lsas",
    "hltas", "nqt", "nqts", "ect", "ects", "cog", "sbm", "hod", "hoy",
})  # fmt: skip
# Two or three capitals ("KB", "HH"), or initials with full stops ("K.B.", "K. B."): someone's
# initials, unless the policies use the word themselves (policy_terms). "OK" is the one such word
# every question may hold.
_INITIALS = re.compile(r"(?<![\w.])(?:[A-Z]{2,3}|(?:[A-Z]\.\s?){2,3})(?!\w)")  # KB's too
_NOT_INITIALS = frozenset({"OK"})
_POSSESSIVE = re.compile(r"['’]s$")  # "the HT's car", "kate's": the word itself
_POLICY_TERM = re.compile(r"(?<![\w'’])[A-Z]{2,3}(?![\w'’])")
_YEAR_GROUP = re.compile(r"\b(?:y|yr|year)\s*-?\s*\d{1,2}\b", re.I)
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-])*")  # letters of any script
_SENTENCE_END = re.compile(r"[.!?]\s*$")
# English's closed word classes (question words, auxiliaries, pronouns, determiners,
# prepositions, conjunctions): a capitalised one opening a sentence is not a name.
_FUNCTION_WORDS = frozenset({
    "a", "an", "the", "this", "that", "these", "those", "my", "our", "your", "his", "her",
    "their", "its", "some", "any", "each", "every", "no", "what", "which", "who", "whom",
    "whose", "when", "where", "why", "how", "whether", "if", "is", "are", "was", "were", "be",
    "been", "am", "do", "does", "did", "have", "has", "had", "can", "could", "may", "might",
    "must", "shall", "should", "will", "would", "i", "we", "you", "he", "she", "they", "it",
    "me", "us", "him", "them", "there", "here", "in", "on", "at", "for", "to", "from", "with",
    "without", "about", "after", "before", "during", "under", "over", "into", "onto", "of",
    "by", "as", "and", "or", "but", "so", "because", "while", "although", "though", "not",
    "yes", "please", "hi", "hello", "dear",
})  # fmt: skip
_PLATFORMS = frozenset(PLATFORM_NAMES)


def policy_terms(texts: Iterable[str]) -> frozenset[str]:
    """The two- and three-capital words the policies themselves use ("PE", "ICT", "DBS"): in a
    question they are the policy's vocabulary, not someone's initials."""
    return frozenset(term for text in texts for term in _POLICY_TERM.findall(text))


def _initials(question: str, vocabulary: frozenset[str]) -> bool:
    for match in _INITIALS.finditer(question):
        letters = re.sub(r"[.\s]", "", match.group())
        if letters not in vocabulary and letters not in _NOT_INITIALS:
            return True
    return False


def names_someone(question: str, vocabulary: frozenset[str] = frozenset()) -> bool:
    """True when the question names a person or a school role: a staff role or title (or its
    abbreviation), a year group, initials not in the policies' ``vocabulary``, or a capitalised
    word that reads as a name."""
    lowered = {_POSSESSIVE.sub("", w.lower()).strip("'’-") for w in _WORD.findall(question)}
    if lowered & ROLE_WORDS or _YEAR_GROUP.search(question):
        return True
    if _initials(question, vocabulary):
        return True
    for match in _WORD.finditer(question):
        word = match.group().strip("'’-")
        before = question[: match.start()]
        sentence_start = not before.strip() or bool(_SENTENCE_END.search(before))
        if not word or not word[0].isupper() or word.isupper() or word == "I":
            continue
        low = word.lower()
        if low in _PLATFORMS or low in _FUNCTION_WORDS:
            continue
        if not sentence_start:
            return True  # a capitalised word mid-sentence: a name (or a title in one)
        english = english_words()
        if english and tokens(low) and all(t in english for t in tokens(low)):
            continue
        return True
    return False


def keeps_question(
    question: str,
    suggested_command: str | None = None,
    known_names: frozenset[str] = frozenset(),
    vocabulary: frozenset[str] = frozenset(),
) -> bool:
    """May this question's text be stored and shown as "unclear"? Never for a concern or
    declaration, a question that names someone, or one whose words suggest either.
    ``known_names`` (see :func:`people_names`) catches the configured people however the
    question is typed ("what if kate keeps texting a pupil"): the list is shown to one of them.
    ``vocabulary`` (:func:`policy_terms`) holds the capitals the policies use."""
    if suggested_command in (REPORT, DECLARE):
        return False
    terms = set(tokens(question))
    if terms & CONCERN_STEMS or terms & FAMILY_STEMS:
        return False
    if known_names & {_POSSESSIVE.sub("", w.lower()).strip("'’-") for w in _WORD.findall(question)}:
        return False
    return not names_someone(question, vocabulary)


def people_names(settings: Settings) -> frozenset[str]:
    """Every word of every configured person's name, lower case (a title such as "Mrs" is a
    role word already). A surname that is also an ordinary word ("Hall") then keeps a few
    plain questions out of the list too: a lost vote, never a concern shown to its subject."""
    words = {
        w.lower().strip("'’-")
        for person in settings.people.values()
        for w in _WORD.findall(person.name or "")
    }
    return frozenset(w for w in words if len(w) > 1)


def invites_feedback(answer: Answer) -> bool:
    """Offer Helpful / Not helpful under this answer? Only when the vote could be kept: its
    capitals are checked against the policy text the answer quotes (a subset of what
    :meth:`FeedbackLog.record` allows, so an offered vote is always kept). Never under "still
    loading the policies", which answers nothing."""
    from bot.handbook import STILL_LOADING, UNREADABLE

    if answer.text in (STILL_LOADING, UNREADABLE):
        return False
    quoted = [
        text
        for c in answer.citations
        for text in (c.document, c.section, c.quote, *(item.text for item in c.items))
    ]
    return keeps_question(
        answer.question, answer.suggested_command, vocabulary=policy_terms(quoted)
    )


DEFAULT_VIEWER = "headteacher"


def viewer_role(settings: Settings) -> str:
    """The one role shown the questions staff marked not helpful."""
    return settings.feedback_viewer or DEFAULT_VIEWER


def may_see_unclear(settings: Settings, platform: str, user_id: str) -> bool:
    """Only the person configured for :func:`viewer_role` on this platform."""
    person = settings.people.get(viewer_role(settings))
    return bool(user_id) and person is not None and person.address(platform) == user_id


def viewer_label(settings: Settings) -> str:
    """How a voter is told who will see their vote ("the headteacher")."""
    return "the " + viewer_role(settings).replace("_", " ")


NOT_KEPT_NOTE = (
    "Thanks. This question isn't kept: it may be about someone. If it is a concern, "
    "raise it privately with /report-concern."
)


def vote_note(settings: Settings, *, helpful: bool, kept: bool) -> str:
    """What the voter is told after a Helpful / Not helpful click."""
    if not kept:
        return NOT_KEPT_NOTE
    if helpful:
        return "Thanks: marked helpful."
    return f"Thanks: {viewer_label(settings)} will see this one."


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def normalise(question: str) -> str:
    return " ".join(question.split())[:QUESTION_LIMIT]


class FeedbackLog:
    def __init__(
        self,
        path: Path,
        key: bytes | None = None,
        known_names: frozenset[str] = frozenset(),
        vocabulary: Callable[[], frozenset[str]] = frozenset,
    ) -> None:
        self.path = Path(path)
        self.known_names = known_names
        self.vocabulary = vocabulary  # the handbook's capitals, once it is loaded
        self._fernet = None
        self._keyring = None
        if key:
            from bot.keys import Keyring, fernet_for

            self._fernet = fernet_for(key)
            self._keyring = Keyring(key)
        self._lock = threading.Lock()
        if str(self.path) != ":memory:":  # created private; SQLite's -wal/-shm copy its mode
            os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        with self._lock, self._db:
            self._db.executescript(_SCHEMA)
            columns = [r[1] for r in self._db.execute("PRAGMA table_info(feedback)")]
            if "tag_key" not in columns:
                self._db.execute("ALTER TABLE feedback ADD COLUMN tag_key TEXT")
            if self._keyring is not None:
                self._db.execute("PRAGMA secure_delete = ON")
                kid = self._keyring.first_id
                rows = self._db.execute(
                    "SELECT id, question_hash, user_hash FROM feedback WHERE tag_key IS NULL"
                ).fetchall()
                for row_id, qhash, uhash in rows:
                    self._db.execute(
                        "UPDATE feedback SET question_hash = ?, user_hash = ?, tag_key = ? "
                        "WHERE id = ?",
                        (self._key_hash(qhash), self._key_hash(uhash), kid, row_id),
                    )

    def _key_hash(self, plain_hash: str, kid: str | None = None) -> str:
        from bot.keys import LOOKUP

        assert self._keyring is not None
        return self._keyring.tag(LOOKUP, "feedback\0" + plain_hash, kid)

    def _tags(self, text: str) -> list[str]:
        """The text's hash as stored: keyed under every configured key, or plain without one."""
        if self._keyring is None:
            return [_hash(text)]
        return [self._key_hash(_hash(text), kid) for kid in self._keyring.ids]

    @classmethod
    def for_settings(
        cls, settings: Settings, vocabulary: Callable[[], frozenset[str]] = frozenset
    ) -> FeedbackLog:
        """``vocabulary``: the handbook's :func:`policy_terms` (``Runtime.policy_terms``)."""
        return cls(
            settings.data_dir / FEEDBACK_FILE, settings.key, people_names(settings), vocabulary
        )

    def _keeps(self, question: str) -> bool:
        return keeps_question(question, known_names=self.known_names, vocabulary=self.vocabulary())

    def record(
        self,
        *,
        question: str,
        helpful: bool,
        platform: str,
        user_id: str,
        at: datetime | None = None,
    ) -> bool:
        """One vote; False (nothing stored) for a question :func:`keeps_question` refuses. The
        same person voting again on the same question replaces their vote."""
        question = normalise(question)
        if not question or not self._keeps(question):
            return False
        qtags = self._tags(question.casefold())
        utags = self._tags(f"{platform}:{user_id}")
        enc = self._fernet.encrypt(question.encode()) if self._fernet else None
        when = (at or datetime.now(UTC)).isoformat(timespec="seconds")
        kid = self._keyring.first_id if self._keyring else None
        qmarks, umarks = ",".join("?" * len(qtags)), ",".join("?" * len(utags))
        with self._lock, self._db:
            self._db.execute(
                f"DELETE FROM feedback WHERE question_hash IN ({qmarks}) "
                f"AND user_hash IN ({umarks})",
                (*qtags, *utags),
            )
            self._db.execute(
                "INSERT INTO feedback (at, question_hash, question_enc, helpful, platform, "
                "user_hash, tag_key) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (when, qtags[0], enc, int(helpful), platform, utags[0], kid),
            )
        return True

    def unclear(self, limit: int = 10) -> list[UnclearQuestion]:
        """Questions with at least one not-helpful vote, most not-helpful first. A question
        stored before :func:`keeps_question` existed and failing it now is left out."""
        with self._lock:
            rows = self._db.execute(
                "SELECT question_hash, SUM(1 - helpful), SUM(helpful), MAX(at), "
                "MAX(question_enc) FROM feedback GROUP BY question_hash "
                "HAVING SUM(1 - helpful) > 0 ORDER BY 2 DESC, 4 DESC",
            ).fetchall()
        out: list[UnclearQuestion] = []
        for _, bad, good, last, enc in rows:
            text = self._decrypt(enc)
            if text != NOT_KEPT and not self._keeps(text):
                continue
            out.append(UnclearQuestion(text, int(bad), int(good), last))
            if len(out) >= limit:
                break
        return out

    def _decrypt(self, enc: bytes | None) -> str:
        if enc is None or self._fernet is None:
            return NOT_KEPT
        try:
            return self._fernet.decrypt(enc).decode()
        except Exception:  # a rotated key: the vote still counts, the text is gone
            return NOT_KEPT

    def reencrypt(self) -> int:
        """Re-encrypt stored question texts under the first key. A text no key can read (its
        key was dropped) is forgotten, as `_decrypt` already treats it; the vote stays."""
        if self._fernet is None:
            return 0
        from cryptography.fernet import InvalidToken

        count = 0
        with self._lock, self._db:
            rows = self._db.execute(
                "SELECT id, question_enc FROM feedback WHERE question_enc IS NOT NULL"
            ).fetchall()
            for row_id, enc in rows:
                try:
                    token: bytes | None = self._fernet.rotate(enc)
                except InvalidToken:
                    token = None
                self._db.execute(
                    "UPDATE feedback SET question_enc = ? WHERE id = ?", (token, row_id)
                )
                if token is not None:  # re-key the question's hash from its text
                    text = self._fernet.decrypt(token).decode()
                    self._db.execute(
                        "UPDATE feedback SET question_hash = ? WHERE id = ?",
                        (self._tags(text.casefold())[0], row_id),
                    )
                count += 1
        return count

    def close(self) -> None:
        with self._lock:
            self._db.close()
