"""Records you can trust: the one path that creates, changes and deletes rows (validation, audit log)."""
