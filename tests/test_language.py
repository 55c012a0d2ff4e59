import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_chinese_by_default_even_for_an_english_browser(client):
    response = client.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="zh-hans"' in response.content.decode()


@pytest.mark.django_db
def test_the_switcher_choice_is_honoured(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("admin:login"))
    assert 'lang="en"' in response.content.decode()
