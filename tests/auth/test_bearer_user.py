"""`api.auth.bearer_user.load_bearer_user` loads what the ORM's select_related loads, in one query, and attaches
the profiles so that reading them (or one the user lacks) runs none: on SQLite and on PostgreSQL alike."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User

from api.auth.bearer_user import RELATED, load_bearer_user
from reservation.models import Client, Provider, TokenRevocation
from tests.factories import make_user
from tests.rows import columns

pytestmark = pytest.mark.django_db


def orm_user(pk: int) -> User:
    return User.objects.select_related(*RELATED).get(pk=pk)


def test_a_user_with_every_profile_is_loaded_as_the_orm_loads_it(django_assert_num_queries):
    user = make_user("both", "Ada", "Lovelace", is_staff=True)
    user.last_login = datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    user.save()
    Provider.objects.create(user=user, first_name="Ada", last_name="Lovelace", time_zone="Europe/Paris")
    Client.objects.create(user=user, first_name="Ada", last_name="Lovelace")
    TokenRevocation.objects.create(user=user, revoked_before=datetime(2030, 1, 1, 12, 0, 0, 123456, tzinfo=UTC))
    expected = orm_user(user.pk)

    with django_assert_num_queries(1):
        loaded = load_bearer_user(str(user.pk))
        assert loaded is not None
        assert columns(loaded) == columns(expected)
        for name in RELATED:
            profile = getattr(loaded, name)
            assert columns(profile) == columns(getattr(expected, name))
            assert profile.user is loaded
            assert not profile.get_deferred_fields()
        assert loaded.token_revocation.revoked_before.tzinfo is not None
    assert not loaded._state.adding
    assert loaded._state.db == "default"


def test_a_user_without_profiles_has_none_and_reading_them_runs_no_query(django_assert_num_queries):
    user = make_user("nobody-special")
    loaded = load_bearer_user(str(user.pk))
    assert loaded is not None
    assert columns(loaded) == columns(orm_user(user.pk))
    with django_assert_num_queries(0):
        for name in RELATED:
            assert getattr(loaded, name, None) is None
            with pytest.raises(User._meta.get_field(name).related_model.DoesNotExist):  # type: ignore[union-attr]
                getattr(loaded, name)


def test_no_user_is_none():
    user = make_user("gone")
    pk = user.pk
    user.delete()
    assert load_bearer_user(str(pk)) is None
