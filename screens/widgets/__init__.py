"""Widgets of the wizard's screens."""
