"""`VisitTypeType` and the `visitTypes` root query (issue 13)."""

from typing import Any

import graphene
from django.db.models import Prefetch, QuerySet
from graphene_django import DjangoObjectType

from api.core.node import Node
from reservation import rules
from reservation.models import VisitType, VisitTypeOffer


def _minutes(slots: int) -> int:
    return slots * int(rules.slot_duration().total_seconds() // 60)


class VisitTypeOfferType(graphene.ObjectType):
    """A provider who offers a visit type, with their daily cap of it."""

    provider = graphene.Field("api.query.provider.ProviderType", required=True)
    daily_cap = graphene.Int(description="Most live visits of this type per provider-local day; null: no cap.")

    @staticmethod
    def resolve_provider(offer: VisitTypeOffer, info: graphene.ResolveInfo) -> Any:
        return offer.provider


class VisitTypeType(DjangoObjectType):
    """A kind of visit a client books: whole 15-minute slots, buffers kept free around it, its own notice
    (never less than 24 h) and booking window, video or not, and the providers who offer it."""

    class Meta:
        model = VisitType
        fields = ("id", "name", "description", "minimum_notice_hours", "booking_window_days", "is_video")
        interfaces = (Node,)

    duration_minutes = graphene.Int(required=True, description="Length of the visit, in minutes (whole slots).")
    buffer_before_minutes = graphene.Int(required=True, description="Free time kept before it, in minutes.")
    buffer_after_minutes = graphene.Int(required=True, description="Free time kept after it, in minutes.")
    offers = graphene.List(
        graphene.NonNull(VisitTypeOfferType), required=True, description="Who offers it, by provider last name."
    )

    @classmethod
    def get_queryset(cls, queryset: QuerySet[VisitType], info: graphene.ResolveInfo) -> QuerySet[VisitType]:
        """Visit types are public; their offers come with them (two queries for any number)."""
        return with_offers(queryset)

    @staticmethod
    def resolve_duration_minutes(visit_type: VisitType, info: graphene.ResolveInfo) -> int:
        return _minutes(visit_type.duration_slots)

    @staticmethod
    def resolve_buffer_before_minutes(visit_type: VisitType, info: graphene.ResolveInfo) -> int:
        return _minutes(visit_type.buffer_before_slots)

    @staticmethod
    def resolve_buffer_after_minutes(visit_type: VisitType, info: graphene.ResolveInfo) -> int:
        return _minutes(visit_type.buffer_after_slots)

    @staticmethod
    def resolve_offers(visit_type: VisitType, info: graphene.ResolveInfo) -> Any:
        return visit_type.offers.all()


def with_offers(queryset: QuerySet[VisitType]) -> QuerySet[VisitType]:
    """``queryset`` with each type's offers and their providers prefetched (one more query)."""
    offers = VisitTypeOffer.objects.select_related("provider").order_by("provider__last_name", "provider_id")
    return queryset.prefetch_related(Prefetch("offers", queryset=offers))


class VisitTypeQueries(graphene.ObjectType):
    """Root fields for visit types."""

    visit_types = graphene.List(
        graphene.NonNull(VisitTypeType),
        required=True,
        description="Every visit type, by name, with who offers it. Public: clients choose from them.",
    )

    @staticmethod
    def resolve_visit_types(root: None, info: graphene.ResolveInfo) -> Any:
        return with_offers(VisitType.objects.order_by("name"))
