"""Domain errors: one exception type carrying a machine-readable code, translated once at the API edge."""

import enum


class ErrorCode(enum.Enum):
    """Why a scheduling operation was refused. Exposed to GraphQL as the `ErrorCode` enum."""

    NOT_FOUND = "not_found"
    """The referenced provider, client, appointment slot or reservation does not exist."""
    INVALID = "invalid"
    """A value is malformed (for example an empty name or a global ID of the wrong type)."""
    NAIVE_DATETIME = "naive_datetime"
    """A time was given without a UTC offset."""
    INVALID_RANGE = "invalid_range"
    """The range's start is not before its end."""
    NOT_ALIGNED = "not_aligned"
    """A time is not on the slot grid (a whole multiple of the slot length past the hour)."""
    IN_THE_PAST = "in_the_past"
    """Availability was submitted for a time that has already begun."""
    RANGE_TOO_LONG = "range_too_long"
    """One submission spans more than the maximum range (31 days by default)."""
    UNKNOWN_TIME_ZONE = "unknown_time_zone"
    """A time zone that is not an IANA name known to the time zone database (e.g. Europe/Paris)."""
    OVERLAPPING_RANGES = "overlapping_ranges"
    """Two working ranges of the same day (weekly schedule or date override) overlap."""
    SLOT_UNAVAILABLE = "slot_unavailable"
    """The slot is held by another live reservation or already booked."""
    INSUFFICIENT_NOTICE = "insufficient_notice"
    """The slot starts sooner than the minimum advance notice (24 hours by default)."""
    CLIENT_OVERLAP = "client_overlap"
    """The client already holds or has booked a slot overlapping this one in time."""
    RESERVATION_EXPIRED = "reservation_expired"
    """The hold ran out (30 minutes by default) before it was confirmed."""
    RESERVATION_ENDED = "reservation_ended"
    """The reservation was already released, cancelled or rescheduled."""
    NOT_CONFIRMED = "not_confirmed"
    """Only a confirmed booking can be cancelled by its client or rescheduled; release a hold instead."""
    ALREADY_CONFIRMED = "already_confirmed"
    """A confirmed booking cannot be released; cancel it instead."""
    APPOINTMENT_STARTED = "appointment_started"
    """The appointment has already started: it can no longer be cancelled or moved."""
    NOT_OFFERED = "not_offered"
    """The provider does not offer this visit type."""
    OUTSIDE_BOOKING_WINDOW = "outside_booking_window"
    """The visit starts further ahead than its visit type's booking window (for example 60 days)."""
    DAILY_CAP_REACHED = "daily_cap_reached"
    """The provider already has their daily cap of visits of this type on that local day."""
    TOO_MANY_HOLDS = "too_many_holds"
    """The client already holds the maximum number of unconfirmed reservations (RESERVATION_MAX_ACTIVE_HOLDS)."""
    USERNAME_TAKEN = "username_taken"
    """Another account already uses this username."""
    WEAK_PASSWORD = "weak_password"  # noqa: S105 - an error code, not a password
    """The password fails Django's password validators (length, similarity, common, numeric)."""
    INVALID_CREDENTIALS = "invalid_credentials"
    """Wrong username or password (deliberately not saying which)."""
    LOCKED_OUT = "locked_out"
    """Too many failed logins for this username from this address: wait for the cool-off (15 minutes)."""
    INVALID_TOKEN = "invalid_token"  # noqa: S105 - an error code, not a token
    """A token is forged, expired, revoked or of the wrong kind."""
    RATE_LIMITED = "rate_limited"
    """Too many requests of this kind from this user or address: retry later."""
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    """The idempotency key was already used, within its lifetime, for another operation or input."""


class DomainError(Exception):
    """A scheduling rule refused an operation; nothing was written.

    ``field`` names the input at fault in the domain's own terms, the raising service's parameter (such as
    ``appointment_id`` or ``time_zone``), or is None when the error concerns the request as a whole. The API
    maps it to its own input field's name (`api.core.errors.MutationError.from_domain`).
    """

    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
