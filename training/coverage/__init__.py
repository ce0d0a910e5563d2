"""Coverage: the one definition of trained and of person-times, facts, figures, targets, reports."""
