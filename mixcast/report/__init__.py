"""Presentation: turns computed results into text, tables and documents; computes nothing."""
