"""Tests of reservation/: the domain (models, services, selectors, rules, admin, commands)."""
