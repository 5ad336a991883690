"""Concern reports and relationship declarations: private routing, encrypted records, an
outbox that loses nothing, and a hash-chained audit log. See models.py and service.py."""
