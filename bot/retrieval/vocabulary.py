"""Words as staff type them → words as policies write them.

This is domain vocabulary of UK schools and social media, not phrases from any question set: it
maps everyday synonyms, spellings and abbreviations onto the terms policies use, on both the
policy side and the question side, so BM25 sees the same token for "mum", "dad" and "carer".
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import snowballstemmer

# Multi-word expressions first (matched on lower-cased text, word boundaries).
PHRASES: dict[str, str] = {
    "head teacher": "headteacher",
    "head master": "headteacher",
    "head mistress": "headteacher",
    "the head": "the headteacher",
    "deputy head": "leadership team",
    "senior leadership": "leadership",
    "slt": "leadership team",
    "social networking": "social network",
    "social networks": "social network",
    "social networking sites": "social network",
    # on a social network a "friend request" is being asked to become friends: policies say
    # "accept … as friends"; "request" in a policy is a formal one (subject access, leave)
    "friend requests": "friend",
    "friend request": "friend",
    "follow requests": "follow",
    "follow request": "follow",
    "add as a friend": "friend",
    "facebook friend": "friend facebook",
    "whats app": "whatsapp",
    "you tube": "youtube",
    "e-mail": "email",
    "e mail": "email",
    "mobile phone": "telephone",
    "mobile number": "telephone number",
    "phone number": "telephone number",
    "co-worker": "colleague",
    "co worker": "colleague",
    "fellow teacher": "colleague",
    "teaching assistant": "teaching assistant",
    "screen shot": "screen print",
    "screenshot": "screen print",
    "screenshots": "screen print",
    "child abuse images": "indecent images of children",
    "child abuse material": "indecent images of children",
    "child sexual abuse material": "indecent images of children",
    "csam": "indecent images of children",
    "child porn": "indecent images of children",
    "child pornography": "indecent images of children",
    "kid porn": "indecent images of children",
    "kiddie porn": "indecent images of children",
    "underage images": "indecent images of children",
    "set up": "create",
    "make sure": "ensure",
    "makes sure": "ensure",
    "making sure": "ensure",
    "made sure": "ensure",
    "break the rules": "breach",
    "break these rules": "breach",
    "break this policy": "breach policy",
    "breaking the rules": "breach",
    "start working": "join new",
    "started working": "join new",
    "just started": "join new",
    "new starter": "new join",
    "new starters": "new join",
    "who left": "former",
    "who have left": "former",
    "who has left": "former",
    "has left the school": "former student",
    "left last year": "former",
    "while teaching": "during working hours",
    "when teaching": "during working hours",
    "during class": "during working hours",
    "in class": "during working hours",
    "at work": "during working hours",
    "adult websites": "pornography adult explicit material websites",
    "adult sites": "pornography adult explicit material",
    "adult content": "pornography adult explicit material",
    "porn sites": "pornography adult explicit material",
    "see what i do": "monitor",
    "keep an eye on": "monitor",
    "check up on": "monitor",
    "school day": "working hours",
    "class time": "working hours",
    "teaching time": "working hours",
    "slag off": "criticise",
    "setting up": "creating",
    "sets up": "creates",
    "leavers": "former student",
    "left the school": "former student",
    "left school": "former student",
    "free speech": "freedom of expression",
    "freedom of speech": "freedom of expression",
    "ex pupil": "former student",
    "ex-pupil": "former student",
    "ex-pupils": "former student",
    "ex pupils": "former student",
    "ex-student": "former student",
    "ex-students": "former student",
    "past pupils": "former student",
    "old pupils": "former student",
    "alumni": "former student",
    "data protection": "data protection confidential",
    "gdpr": "data protection confidential",
    "prevent duty": "prevent duty",
    "safeguarding lead": "safeguarding lead",
    "dsl": "designated safeguarding lead",
}

# Single words → canonical word (before stemming).
WORDS: dict[str, str] = {
    # people in school
    "pupil": "student",
    "pupils": "student",
    "child": "student",
    "children": "student",
    "childs": "student",
    "kid": "student",
    "kids": "student",
    "learner": "student",
    "learners": "student",
    "youngster": "student",
    "youngsters": "student",
    "students": "student",
    "mum": "parent",
    "mums": "parent",
    "mom": "parent",
    "mother": "parent",
    "dad": "parent",
    "dads": "parent",
    "father": "parent",
    "carer": "parent",
    "carers": "parent",
    "guardian": "parent",
    "guardians": "parent",
    "stepparent": "parent",
    "headteacher": "headteacher",
    "headteachers": "headteacher",
    "headmaster": "headteacher",
    "headmistress": "headteacher",
    "principal": "headteacher",
    "colleague": "colleague",
    "colleagues": "colleague",
    "coworker": "colleague",
    "coworkers": "colleague",
    "workmate": "colleague",
    "workmates": "colleague",
    "staff": "staff",
    "governor": "governor",
    "governors": "governor",
    "son": "family",
    "daughter": "family",
    "nephew": "family",
    "niece": "family",
    "grandson": "family",
    "granddaughter": "family",
    "grandchild": "family",
    "cousin": "family",
    "sibling": "family",
    "brother": "family",
    "sister": "family",
    "relative": "family",
    "relatives": "family",
    # platforms
    "insta": "instagram",
    "ig": "instagram",
    "fb": "facebook",
    "yt": "youtube",
    "snap": "snapchat",
    "tweet": "twitter",
    "tweets": "twitter",
    "tiktok": "tiktok",
    "linkedin": "linkedin",
    # employment
    "sacked": "dismissal",
    "sack": "dismissal",
    "sacking": "dismissal",
    "fired": "dismissal",
    "fire": "dismissal",
    "dismissed": "dismissal",
    "dismiss": "dismissal",
    # media
    "photo": "photograph",
    "photos": "photograph",
    "pic": "photograph",
    "pics": "photograph",
    "picture": "photograph",
    "pictures": "photograph",
    "selfie": "photograph",
    "selfies": "photograph",
    "vid": "video",
    "vids": "video",
    "clip": "video",
    "footage": "video",
    "porn": "pornography",
    "phone": "telephone",
    "phones": "telephone",
    "mobile": "telephone",
    "ring": "telephone",
    "texting": "text",
    "texted": "text",
    "dm": "message contact",
    "dms": "message contact",
    "pm": "message contact",
    "chat": "conversation",
    "chatting": "conversation",
    "permission": "permission authorised",
    "befriend": "friend",
    "unfriend": "friend",
    "slander": "defamation",
    "libellous": "libel",
    "defamatory": "defamation",
    "extremism": "extremist",
    "extreme": "extremist",
    "radicalized": "radicalisation",
    "radicalization": "radicalisation",
    "radicalised": "radicalisation",
    "radicalise": "radicalisation",
    "radicalize": "radicalisation",
    "terror": "terrorism",
    "terrorist": "terrorism",
    "bullied": "bullying",
    "bully": "bullying",
    "bullies": "bullying",
    "cyberbully": "cyberbullying",
    "cyberbullied": "cyberbullying",
    "trolled": "trolling",
    "troll": "trolling",
    "trolls": "trolling",
    "racist": "race",
    "racism": "race",
    "sexist": "sex",
    "sexism": "sex",
    "homophobic": "sexual orientation",
    "transphobic": "gender reassignment",
    "ableist": "disability",
    "web": "internet",
    "website": "website",
    "opinion": "opinion view",
    "opinions": "opinion view",
    "negative": "negative criticise",
    "badmouth": "criticise",
    "breaking": "breach",
    "broke": "breach",
    "broken": "breach broken",
    "moan": "criticise",
    "moaning": "criticise",
    "rant": "criticise",
    "ranting": "criticise",
    "complain": "criticise",
    "complaining": "criticise",
    "slate": "criticise",
    "slating": "criticise",
    "spy": "monitor",
    "snoop": "monitor",
    "track": "monitor",
    "message": "message contact",
    "messaging": "message contact",
    "unlocked": "unattended logged",
    "laptop": "device",
    "laptops": "device",
    "tablet": "device",
    "ipad": "device",
    "lesson": "working hours",
    "lessons": "working hours",
    "browse": "internet",
    "browsing": "internet",
    "surf": "internet",
    "surfing": "internet",
}

# Platform names: policies name them as examples, and their rules apply "irrespective of the
# social media platform", so a platform in a question is weaker evidence than its other words.
PLATFORM_NAMES = [
    "facebook",
    "instagram",
    "snapchat",
    "tiktok",
    "twitter",
    "whatsapp",
    "youtube",
    "linkedin",
    "reddit",
    "flickr",
    "tumblr",
    "pinterest",
    "threads",
    "bluesky",
    "mastodon",
    "telegram",
    "signal",
    "discord",
    "twitch",
    "messenger",
]

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "aren't",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "can't",
        "cannot",
        "could",
        "couldn't",
        "did",
        "didn't",
        "do",
        "does",
        "doesn't",
        "doing",
        "don't",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "hadn't",
        "has",
        "hasn't",
        "have",
        "haven't",
        "having",
        "he",
        "he'd",
        "he'll",
        "he's",
        "her",
        "here",
        "here's",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "how's",
        "i",
        "i'd",
        "i'll",
        "i'm",
        "i've",
        "if",
        "in",
        "into",
        "is",
        "isn't",
        "it",
        "it's",
        "its",
        "itself",
        "let's",
        "me",
        "more",
        "most",
        "mustn't",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "ought",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "shan't",
        "she",
        "she'd",
        "she'll",
        "she's",
        "should",
        "shouldn't",
        "so",
        "some",
        "such",
        "than",
        "that",
        "that's",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "there's",
        "these",
        "they",
        "they'd",
        "they'll",
        "they're",
        "they've",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "wasn't",
        "we",
        "we'd",
        "we'll",
        "we're",
        "we've",
        "were",
        "weren't",
        "what",
        "what's",
        "when",
        "when's",
        "where",
        "where's",
        "which",
        "while",
        "who",
        "who's",
        "whom",
        "why",
        "why's",
        "with",
        "won't",
        "would",
        "wouldn't",
        "you",
        "you'd",
        "you'll",
        "you're",
        "you've",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "ok",
        "okay",
        "alright",
        # indefinite pronouns: "tell someone", "is anyone allowed" name nobody in particular
        "someone",
        "somebody",
        "anyone",
        "anybody",
        "everyone",
        "everybody",
        "nobody",
        "allowed",
        "allow",
        "may",
        "might",
        "must",
        "shall",
        "will",
        "can",
        "i'm",
        "im",
        "ive",
        "id",
        "get",
        "got",
        "want",
        "wanna",
        "gonna",
        "need",
        "needs",
        "please",
        "tell",
        "know",
        "thing",
        "things",
        "something",
        "anything",
        "ever",
        "also",
        "just",
        "really",
        "still",
        "yes",
        "hi",
        "hello",
        "hey",
        "thanks",
        "thank",
        "wat",
        "wot",
        "u",
        "ur",
        "r",
        "pls",
        "plz",
        "is",
        "there",
        "any",
        "policy",
        "say",
        "says",
        "said",
        "mean",  # question frames: "what does X mean", "what counts as X"
        "means",
        "meaning",
        "count",
        "counts",
    ]
)

_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_PHRASE_ORDER = sorted(PHRASES, key=lambda k: -len(k))  # longest first
_PHRASE_RES = [(k, re.compile(rf"\b{re.escape(k)}\b"), PHRASES[k]) for k in _PHRASE_ORDER]
# Which phrases a text holds, found in one pass (a lookahead at every position, longest first),
# so that only those few of the hundred-odd rules run on it; and, for each phrase, the phrases
# its replacement holds ("the head" → "the headteacher"), which then run too, as in one pass of
# every rule in order. The result is the same as running every rule; it costs a tenth.
_ANY_PHRASE = re.compile(r"(?=\b(" + "|".join(re.escape(k) for k in _PHRASE_ORDER) + r")\b)")
_WITHIN: dict[str, set[str]] = {
    k: {k2 for k2, rx, _ in _PHRASE_RES if rx.search(PHRASES[k])} for k in _PHRASE_ORDER
}
_local = threading.local()  # snowball stemmers keep state: one per thread


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    if word.endswith(("ize", "ized", "izes", "izing", "ization", "izations")):
        word = word.replace("iz", "is")  # US spellings → UK: the policies are British
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("english")
    stemmed: str = stemmer.stemWord(word)  # snowballstemmer ships no types
    return stemmed


def normalise_text(text: str) -> str:
    """Lower-case, apply multi-word vocabulary, unify apostrophes."""
    t = text.lower().replace("’", "'").replace("‘", "'")
    present = {m.group(1) for m in _ANY_PHRASE.finditer(t)}
    if not present:
        return t
    todo = list(present)
    while todo:  # what a replacement brings in
        for k in _WITHIN[todo.pop()] - present:
            present.add(k)
            todo.append(k)
    for key, rx, repl in _PHRASE_RES:
        if key in present:
            t = rx.sub(repl, t)
    return t


def words(text: str) -> list[str]:
    """Canonical words (vocabulary applied, stop words dropped), not yet stemmed."""
    out: list[str] = []
    for tok in _TOKEN_RE.findall(normalise_text(text)):
        tok = (
            tok.split("'")[0]
            if tok.endswith(("'s", "'t", "'re", "'ll", "'ve", "'d", "'m"))
            else tok
        )
        if tok in STOPWORDS or len(tok) < 2:
            continue
        out.extend(WORDS.get(tok, tok).split())
    return out


def tokens(text: str) -> list[str]:
    """Stemmed index terms for BM25."""
    return list(_tokens(text))


@lru_cache(maxsize=20_000)
def _tokens(text: str) -> tuple[str, ...]:
    # Answers tokenise the sentences of the clauses they quote on every question, and the same
    # clauses come back again and again: the vocabulary's hundred-odd phrase rules run once per
    # sentence, not once per answer.
    return tuple(stem(w) for w in words(text))


PLATFORM_TERMS = frozenset(stem(p) for p in PLATFORM_NAMES)

_words_lock = threading.Lock()


def english_words() -> frozenset[str]:
    with _words_lock:  # built once, by whichever thread asks first
        return _english_words()


def english_surface() -> frozenset[str]:
    """Whole English words as the model's vocabulary spells them ("pupil", "lessons")."""
    with _words_lock:
        return _english_surface()


@lru_cache(maxsize=1)
def _english_words() -> frozenset[str]:
    """Stems of whole English words, read from the embedding model's WordPiece vocabulary when the
    packaged model is installed. Typo correction leaves these alone ("present" is not a typo of
    "prevent"). Without the package the set is empty and every unknown word may be corrected."""
    return frozenset(stem(w) for w in _english_surface())


@lru_cache(maxsize=1)
def _english_surface() -> frozenset[str]:
    from bot.retrieval.embedders import packaged_model_path

    path = packaged_model_path()
    vocab = path / "vocab.txt" if path else None
    if vocab is None or not vocab.exists():
        return frozenset()
    out = set()
    for line in vocab.read_text(encoding="utf-8").splitlines():
        w = line.strip()
        if len(w) >= 3 and w.isalpha() and w.isascii() and w.islower():
            out.add(w)
    return frozenset(out)
