"""Comparing model instances column by column, for the tests of code that reads rows without the ORM's queryset."""

from typing import Any

from django.db.models import Model


def columns(instance: Model | None) -> dict[str, Any] | None:
    """Every concrete field's value (attribute names), with its type: a string where a datetime belongs differs."""
    if instance is None:
        return None
    return {
        field.attname: (getattr(instance, field.attname), type(getattr(instance, field.attname)))
        for field in instance._meta.concrete_fields
    }
