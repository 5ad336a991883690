"""policybot core: platform-neutral. Never imports a chat SDK (tests/test_architecture.py)."""

__version__ = "0.1.0"
