"""The network groups of `bench/run`: echo and HTTP servers under load, and what they share."""
