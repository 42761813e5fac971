"""Forms of seed capital, split by topic: validation and cleaning only."""
