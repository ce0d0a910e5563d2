"""Spreadsheets the product hands out: the one safe CSV/XLSX writer."""
