"""Duplicate detection of people: the same person registered twice, found in real time and in
batch."""
