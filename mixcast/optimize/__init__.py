"""Decisions from a fitted model: response curves, the budget optimiser and scenarios."""
