"""Notifications: the outbox every event writes in its own transaction, and its delivery (ADR 0036)."""
