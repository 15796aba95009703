"""GraphQL enums of the domain's closed sets that more than one module of the API uses.

Every argument whose values form a closed set is an enum, so GraphiQL and typed clients offer the values and a
wrong one fails validation; `api.core.errors.format_error` then lists the allowed values.
"""

import graphene

from reservation.models import ReservationState

ReservationStateEnum = graphene.Enum.from_enum(
    ReservationState,
    description="A reservation's state at request time: HELD (a hold younger than 30 minutes), EXPIRED (a hold "
    "that ran out unconfirmed), CONFIRMED (a booking), or how it ended: RELEASED, CANCELLED, RESCHEDULED.",
)
