"""Certificates: records, numbering, issuers (PDF rendering and verification build on these)."""
