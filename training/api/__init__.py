"""HTTP controllers: thin layers over training.services."""
