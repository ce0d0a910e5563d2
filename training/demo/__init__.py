"""The demo data set (``training seed-demo``), modelled on the source articles."""
