"""Reference data: the 34 provinces of 2025, the 63 legacy provinces, the communes."""
