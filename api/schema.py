"""The root GraphQL schema, assembled from the per-entity query and mutation classes."""

import graphene

from api.core.node import Node
from api.mutation.appointment import AppointmentMutations
from api.mutation.calendar import CalendarFeedMutations
from api.mutation.client import ClientMutations
from api.mutation.provider import ProviderMutations
from api.mutation.reservation import ReservationMutations
from api.mutation.schedule import ScheduleMutations
from api.mutation.token import TokenMutations
from api.mutation.visit_type import VisitTypeMutations
from api.query.appointment import AppointmentQueries
from api.query.client import ClientQueries
from api.query.provider import ProviderQueries
from api.query.reservation import ReservationQueries
from api.query.viewer import ViewerQueries
from api.query.visit_type import VisitTypeQueries


class Query(
    ViewerQueries,
    ProviderQueries,
    ClientQueries,
    AppointmentQueries,
    ReservationQueries,
    VisitTypeQueries,
    graphene.ObjectType,
):
    """Read the schedule: providers, clients, appointment slots and reservations."""

    node = Node.Field(description="Any provider, client, appointment slot or reservation by global ID.")


class Mutation(
    TokenMutations,
    ProviderMutations,
    ClientMutations,
    AppointmentMutations,
    ReservationMutations,
    ScheduleMutations,
    CalendarFeedMutations,
    VisitTypeMutations,
    graphene.ObjectType,
):
    """Change the schedule: sign in, register people, publish availability, reserve and confirm."""


schema = graphene.Schema(query=Query, mutation=Mutation)
