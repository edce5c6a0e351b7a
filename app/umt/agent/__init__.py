"""The marketing agent: drafting, scoring, experiment statistics, best time to post."""
