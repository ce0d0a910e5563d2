"""People and organisations: the staff registry, personal data under the PDPL."""
