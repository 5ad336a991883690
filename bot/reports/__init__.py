"""Concern reports and relationship declarations: private routing, encrypted records, an
outbox that loses nothing, and a hash-chained audit log.

Where each concept lives (roles, platforms, Person and Actor: ``bot/people.py``):

- ``models.py``      the vocabulary front ends use (forms, Receipt, Notice, Notifier, errors)
- ``service.py``     the use cases front ends call: submit, declare, acknowledge/close/note,
                     view, list, reassign, undelivered, retry
- ``forms.py``       validating what was typed; ``notices.py`` every word people read back
- ``routing.py``     who a new record goes to; ``escalation.py`` who is next when it is missed
- ``records.py``     all SQL on reports, their sealed recipients and notes
- ``outbox.py``      the queue, the delivery loop and worker, retries, failed/escalated flags
- ``undeliverable.py`` what happens when a first notice does not arrive (tell, escalate)
- ``sealing.py``     what is encrypted and how; ``audit.py`` the hash-chained log;
                     ``neutralise.py`` making text safe to show
"""
