import pytest

from tests.factories import gid, make_provider


@pytest.mark.django_db
def test_provider_by_node_id(graphql):
    provider = make_provider()
    body = graphql('query($id: ID!){ node(id: $id){ ... on ProviderType { firstName lastName } } }', {"id": gid("ProviderType", provider.pk)})
    assert body == {"data": {"node": {"firstName": "Grace", "lastName": "Hopper"}}}
