"""Imports and exports: participants uploaded from a spreadsheet, each row checked as a
registration is."""
