"""Chat front ends. Each translates platform payloads into core calls and core replies into
platform UI; no business rule lives here."""
