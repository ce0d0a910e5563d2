"""Training and certification system for Vietnam's social-work workforce."""
