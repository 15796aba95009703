"""Loading rows into model instances without `Model.__init__`, for the models that lists read by the hundred.

Django builds each instance a query returns through ``Model.from_db``, which calls ``__init__`` with every
concrete field: per field, a check of deferred values, relations and defaults, and the ``pre_init`` and
``post_init`` signals. On a page of 100 slots with their providers that is 200 instances and about 1.1 ms of a
2-core machine's CPU (measured against this module, interleaved, on the benchmark's provider week), the largest
cost left in ``availableAppointments`` that raw Django's ``.values()`` does not pay (docs/performance.md).

`from_db` is Django's documented hook for customising loading ("Customizing model loading" in the model
instance reference). Ours sets the loaded columns straight into the instance's ``__dict__``, by attribute name
(``provider_id``), which is what ``__init__`` leaves there too: a column not loaded stays absent and so deferred
(``get_deferred_fields``, lazy loading and ``refresh_from_db`` work as usual), and ``_state`` says the row came
from database ``db``, so that ``save()`` updates it. What is skipped is only what these models do not use: field
defaults (a loaded row has every value it was read with) and the two signals. `check` fails ``manage.py check``
(and so the test suite and every deploy's start) if a receiver of either signal is ever connected for such a
model, e.g. by an ``ImageField`` with dimension fields; `tests/reservation/test_model_loading.py` compares both
ways of loading.
"""

from collections.abc import Collection
from typing import Any, Self

from django.core import checks
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init


class LoadedWithoutInit:
    """Mixin, before ``models.Model``: instances read from the database are built without ``__init__`` (see the
    module). Instances made in code (``Model(...)``, ``objects.create``) are unchanged."""

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Collection[str], values: Collection[Any], *, fetch_mode: Any = None
    ) -> Self:
        """An instance of the row ``values`` of columns ``field_names`` (attribute names), read from ``db``.

        A ``fetch_mode`` (the fetch modes of Django releases newer than this project's, which does not pass one) is
        left to Django's own loading."""
        if fetch_mode is not None:
            loaded: Self = super().from_db(db, field_names, values, fetch_mode=fetch_mode)  # type: ignore[misc]
            return loaded
        instance = cls.__new__(cls)
        instance.__dict__.update(zip(field_names, values, strict=True))
        state = instance._state = ModelState()  # type: ignore[attr-defined]
        state.adding = False
        state.db = db
        return instance

    @classmethod
    def check(cls, **kwargs: Any) -> list[checks.CheckMessage]:
        """Django's model checks, and an error if ``pre_init`` or ``post_init`` has a receiver for this model:
        `from_db` would not send them."""
        errors: list[checks.CheckMessage] = super().check(**kwargs)  # type: ignore[misc]
        for signal, name in ((pre_init, "pre_init"), (post_init, "post_init")):
            if signal.has_listeners(cls):
                errors.append(
                    checks.Error(
                        f"{cls.__name__} has a {name} receiver, which instances loaded by LoadedWithoutInit.from_db"
                        " would not run.",
                        hint="Remove LoadedWithoutInit from its bases (reservation/models/loading.py).",
                        obj=cls,
                        id="reservation.E001",
                    )
                )
        return errors
