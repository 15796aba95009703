"""Tests of reservation/services: the writes."""
