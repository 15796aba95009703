"""Time zones, weekly schedules with date overrides, and withdrawing availability."""
