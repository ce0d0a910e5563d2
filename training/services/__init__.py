"""Domain services: the one place for rules that the API, the admin and the CLI all call."""
