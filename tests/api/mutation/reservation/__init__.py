"""Tests of api/mutation/reservation.py: a reservation's life through /graphql, one file per mutation."""
