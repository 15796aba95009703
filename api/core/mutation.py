"""The base of every mutation: relay ``input:``, one transaction, refusals in the payload, idempotency keys."""

from collections.abc import Mapping
from typing import Any

import graphene
from django.db import transaction
from graphene import relay

from api.core import idempotency
from api.core.errors import MutationError
from reservation.errors import DomainError
from reservation.services.transactions import all_or_nothing


class DomainMutation(relay.ClientIDMutation):
    """A relay mutation whose payload carries ``errors: [MutationError!]!``.

    Subclasses implement `perform`, returning the payload, and declare in their ``Meta``:

    - ``idempotent`` (required): True adds an optional ``idempotencyKey`` to the input (`api.core.idempotency`);
      a retry with the key replays the stored result, so the payload's fields must hold models, querysets,
      lists of them, datetimes or JSON scalars. False for mutations that must never be replayed (logins) or
      whose payload cannot be stored; say why next to it.
    - ``error_fields`` (optional): the input field of each domain field name that camel-casing does not give
      (``{"day": "date"}``), for the ``field`` of payload errors (`api.core.errors.input_field`).

    Each mutation runs in one transaction, keyed or not (`mutate_and_get_payload`), which the domain services
    join (`reservation.services.transactions.all_or_nothing`). A `DomainError` raised from `perform` (by input
    decoding or by a domain service) undoes everything the mutation wrote and becomes one entry of ``errors``,
    the payload's other fields null; any other exception (a top-level error) rolls everything back too. A
    refusal that must keep what it wrote (a reused refresh token's revocation) is returned with `refused`, not
    raised; slow checks that must not hold the transaction go in `before_transaction` (a login's password check).
    """

    class Meta:
        abstract = True

    errors = graphene.List(
        graphene.NonNull(MutationError),
        required=True,
        description="Why the mutation was refused; empty on success.",
    )

    takes_idempotency_key: bool
    error_fields: Mapping[str, str]

    @classmethod
    def __init_subclass_with_meta__(
        cls,
        idempotent: bool | None = None,
        error_fields: Mapping[str, str] | None = None,
        input_fields: dict[str, Any] | None = None,
        **options: Any,
    ) -> None:
        """Read ``Meta.idempotent`` and ``Meta.error_fields``; add ``idempotencyKey`` to the input if idempotent."""
        if idempotent is None:
            raise TypeError(f"{cls.__name__}: declare `idempotent = True` or `False` in its Meta (api.core.mutation).")
        cls.takes_idempotency_key = idempotent
        cls.error_fields = dict(error_fields or {})
        if idempotent:
            input_fields = {**(input_fields or {}), idempotency.KEY_FIELD: idempotency.key_field()}
        super().__init_subclass_with_meta__(input_fields=input_fields, **options)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "DomainMutation":
        """Do the mutation and return its payload (with ``errors=[]``); raise `DomainError` to refuse."""
        raise NotImplementedError

    @classmethod
    def before_transaction(cls, info: graphene.ResolveInfo, data: dict[str, Any]) -> dict[str, Any]:
        """Work that must not hold the mutation's transaction, done before it opens (and before an idempotency
        key is claimed); returns the input `perform` gets. Nothing by default.

        Only for slow checks whose writes must stay whatever happens next (a login's password check). Raise
        `DomainError` to refuse.
        """
        return data

    @classmethod
    def refused(cls, error: DomainError) -> "DomainMutation":
        """The payload of a refusal: ``error`` in ``errors``, every other field null."""
        return cls(errors=[MutationError.from_domain(error, cls.error_fields)])

    @classmethod
    def mutate_and_get_payload(cls, root: None, info: graphene.ResolveInfo, **data: Any) -> "DomainMutation":
        key = data.pop(idempotency.KEY_FIELD, None)
        try:
            data = cls.before_transaction(info, data)
        except DomainError as error:
            return cls.refused(error)
        with all_or_nothing():
            if key is not None:
                replayed: DomainMutation = idempotency.run_once(cls, info, key, data, lambda: cls.perform(info, **data))
                return replayed
            try:
                return cls.perform(info, **data)
            except DomainError as error:
                transaction.set_rollback(True)  # a refusal writes nothing
                return cls.refused(error)
