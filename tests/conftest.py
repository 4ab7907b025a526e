import pytest


@pytest.fixture
def staff_client(client, django_user_model):
    """A logged-in superuser, as a researcher with every right."""
    user = django_user_model.objects.create_superuser("researcher", "r@example.org", "pw-unused-1")
    client.force_login(user)
    return client
