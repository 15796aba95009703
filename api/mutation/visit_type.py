"""`visitTypeCreate`, `visitTypeUpdate` and `visitTypeOfferSet`: staff define visit types (issue 13)."""

from typing import Any

import graphene

from api.auth.permissions import get_viewer, require_staff
from api.core.ids import decode_global_id
from api.core.mutation import DomainMutation
from api.query.visit_type import VisitTypeType
from reservation.services.visit_types import VisitTypeSpec, visit_type_create, visit_type_offer_set, visit_type_update

FIELDS = (
    "name",
    "description",
    "duration_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "minimum_notice_hours",
    "booking_window_days",
    "is_video",
)


def _spec(data: dict[str, Any]) -> VisitTypeSpec:
    return VisitTypeSpec(**{name: data.get(name) for name in FIELDS})


class VisitTypeFields:
    """The input fields of a visit type; lengths in minutes, whole 15-minute slots."""

    name = graphene.String(description="Shown to clients; unique.")
    description = graphene.String()
    duration_minutes = graphene.Int(description="Length of the visit: 15, 30, 45, 60, ...")
    buffer_before_minutes = graphene.Int(description="Free time kept before it (whole slots); default 0.")
    buffer_after_minutes = graphene.Int(description="Free time kept after it (whole slots); default 0.")
    minimum_notice_hours = graphene.Int(description="At least 24 (the global rule is a floor); default 24.")
    booking_window_days = graphene.Int(description="How many days ahead it may be booked; default 60.")
    is_video = graphene.Boolean(description="A telehealth visit: confirmation gives a video link; default false.")


class VisitTypeCreate(DomainMutation):
    """Define a visit type. Staff only. ``name`` and ``durationMinutes`` are required. Errors: INVALID,
    NOT_ALIGNED (a length that is not whole 15-minute slots)."""

    class Input(VisitTypeFields):
        pass

    visit_type = graphene.Field(VisitTypeType, description="The new visit type; null on error.")

    class Meta:
        idempotent = True

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "VisitTypeCreate":
        require_staff(get_viewer(info))
        return cls(visit_type=visit_type_create(_spec(data)), errors=[])


class VisitTypeUpdate(DomainMutation):
    """Change a visit type's given fields. Staff only. Visits already held or booked keep their times.
    Errors: NOT_FOUND, INVALID, NOT_ALIGNED."""

    class Input(VisitTypeFields):
        visit_type_id = graphene.ID(required=True, description="The visit type's global ID.")

    visit_type = graphene.Field(VisitTypeType, description="The changed visit type; null on error.")

    class Meta:
        idempotent = True

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "VisitTypeUpdate":
        require_staff(get_viewer(info))
        visit_type_id = decode_global_id(data["visit_type_id"], "VisitTypeType", "visitTypeId")
        return cls(visit_type=visit_type_update(visit_type_id, _spec(data)), errors=[])


class VisitTypeOfferSet(DomainMutation):
    """Say whether a provider offers a visit type, with an optional daily cap (per provider-local day).
    Staff only. Errors: NOT_FOUND, INVALID."""

    class Input:
        visit_type_id = graphene.ID(required=True, description="The visit type's global ID.")
        provider_id = graphene.ID(required=True, description="The provider's global ID.")
        offered = graphene.Boolean(required=True, description="False withdraws the offer (booked visits stay).")
        daily_cap = graphene.Int(description="Most live visits of this type a local day; omit for no cap.")

    visit_type = graphene.Field(VisitTypeType, description="The visit type with its offers; null on error.")

    class Meta:
        idempotent = True

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, **data: Any) -> "VisitTypeOfferSet":
        require_staff(get_viewer(info))
        visit_type = visit_type_offer_set(
            visit_type_id=decode_global_id(data["visit_type_id"], "VisitTypeType", "visitTypeId"),
            provider_id=decode_global_id(data["provider_id"], "ProviderType", "providerId"),
            offered=data["offered"],
            daily_cap=data.get("daily_cap"),
        )
        return cls(visit_type=visit_type, errors=[])


class VisitTypeMutations(graphene.ObjectType):
    """Root mutation fields for visit types."""

    visit_type_create = VisitTypeCreate.Field()
    visit_type_update = VisitTypeUpdate.Field()
    visit_type_offer_set = VisitTypeOfferSet.Field()
