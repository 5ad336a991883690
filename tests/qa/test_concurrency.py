"""Chat servers ask from many threads at once: every answer must come back whole."""

from concurrent.futures import ThreadPoolExecutor

from bot.assistant import Assistant
from tests.fakes import HashingEmbedder
from tests.qa.conftest import CORPUS

QUESTIONS = [
    "Can I be friends with a pupil on Facebook?",
    "What should I do if I'm being trolled?",
    "Can I post photos of the school play?",
    "Who do I tell about extremist videos?",
    "cyberbullyng at work what do i do",
    "Is it OK to follow my nephew on instagram?",
]


def test_twenty_threads_asking_at_once_all_get_the_same_answers(tmp_path):
    bot = Assistant.load(CORPUS, tmp_path, embedder=HashingEmbedder())
    expected = {q: bot.ask(q).to_json() for q in QUESTIONS}
    assert sum(a["answered"] for a in expected.values()) >= 4
    fresh = Assistant.load(CORPUS, tmp_path, embedder=HashingEmbedder())
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(
            pool.map(lambda i: (QUESTIONS[i % 6], fresh.ask(QUESTIONS[i % 6])), range(300))
        )
    assert all(a.to_json() == expected[q] for q, a in results)
