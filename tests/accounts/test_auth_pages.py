"""The sign-in, sign-out and password pages (Django's auth views with our templates)."""

import re

import pytest
from django.urls import reverse

from accounts.models import Role, RoleAssignment, User

PASSWORD = "Lianluo-zhan-2024"
NEW_PASSWORD = "Xin-mima-fengshan-88"


@pytest.fixture
def user(db):
    return User.objects.create_user(
        username="liaoyuan", password=PASSWORD, email="liaoyuan@example.org", full_name="廖远"
    )


def login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


@pytest.mark.django_db
def test_login_page_renders_in_chinese_with_csrf(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "人大代表联络站工作平台" in html
    assert "登录" in html
    assert "csrfmiddlewaretoken" in html
    assert 'name="viewport"' in html
    assert "autofocus" in html  # the username field
    assert "/static/css/liaison.css" in html


def test_correct_login_redirects_home(client, user):
    response = login(client, "liaoyuan", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_honours_safe_next(client, user):
    response = client.post(
        reverse("accounts:login") + "?next=/stations/",
        {"username": "liaoyuan", "password": PASSWORD, "next": "/stations/"},
    )
    assert response.url == "/stations/"


def test_wrong_password_shows_error_and_keeps_username(client, user):
    response = login(client, "liaoyuan", "wrong-password-1")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="form-errors"' in html
    assert "用户名" in html and "密码" in html
    assert 'value="liaoyuan"' in html
    assert "wrong-password-1" not in html
    assert "_auth_user_id" not in client.session


def test_login_required_redirects_to_login(client, user):
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login") + "?next=")


def test_logout_by_post(client, user):
    client.force_login(user)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    page = client.get(response.url)
    assert "您已安全退出" in page.content.decode()


def test_logout_by_get_is_refused(client, user):
    client.force_login(user)
    response = client.get(reverse("accounts:logout"))
    assert response.status_code == 405
    assert client.session["_auth_user_id"] == str(user.pk)


def test_passwords_are_hashed_with_argon2(user):
    assert user.password.startswith("argon2")


def test_password_change_end_to_end(client, user):
    client.force_login(user)
    page = client.get(reverse("accounts:password_change"))
    assert page.status_code == 200
    assert "修改密码" in page.content.decode()

    too_short = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "short1", "new_password2": "short1"},
    )
    assert too_short.status_code == 200
    assert 'class="errorlist"' in too_short.content.decode()

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_change_done")
    assert "密码已修改" in client.get(response.url).content.decode()

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user.password.startswith("argon2")
    client.post(reverse("accounts:logout"))
    assert login(client, "liaoyuan", NEW_PASSWORD).status_code == 302


def test_password_reset_end_to_end(client, user, mailoutbox):
    assert client.get(reverse("accounts:password_reset")).status_code == 200
    response = client.post(reverse("accounts:password_reset"), {"email": "liaoyuan@example.org"})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["liaoyuan@example.org"]
    assert "重设密码" in mail.subject
    assert "\n" not in mail.subject
    assert "您好" in mail.body
    link = re.search(r"http://testserver(/accounts/reset/\S+/\S+/)", mail.body).group(1)

    # Django swaps the token for a session-held one and redirects to a .../set-password/ URL.
    confirm = client.get(link, follow=True)
    assert confirm.status_code == 200
    assert "设置新密码" in confirm.content.decode()
    set_password_url = confirm.redirect_chain[-1][0]
    response = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_complete")
    assert "密码已重设" in client.get(response.url).content.decode()

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The link works once only.
    assert "链接已失效" in client.get(link, follow=True).content.decode()


def test_password_reset_unknown_email_sends_nothing(client, user, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mailoutbox == []


def test_shell_shows_name_roles_and_logout_form(client, user):
    from stations.models import Region, RegionLevel

    region = Region.objects.add_root(
        create_kwargs={"code": "141100000000", "name": "吕梁市", "level": RegionLevel.CITY}
    )
    RoleAssignment.objects.create(user=user, role=Role.CITY_STAFF, region=region)
    RoleAssignment.objects.create(user=user, role=Role.ADMIN)
    RoleAssignment.objects.create(user=user, role=Role.STATION_HEAD, region=region, is_active=False)
    client.force_login(user)

    response = client.get(reverse("accounts:password_change"))
    html = response.content.decode()
    assert "廖远" in html
    assert "市级人大工作人员 · 吕梁市" in html
    assert "系统管理员" in html
    assert "站长" not in html  # inactive role
    assert f'action="{reverse("accounts:logout")}"' in html
    assert f'action="{reverse("set_language")}"' in html
    for url_name in ["home", "stations:list", "deputies:list", "visits:list", "suggestions:list"]:
        assert f'href="{reverse(url_name)}"' in html
    assert reverse("admin:index") not in html  # not staff


def test_shell_roles_and_nav_cost_one_query(rf, user, django_assert_num_queries):
    from accounts.context_processors import navigation

    user.is_staff = True
    request = rf.get("/")
    request.user = user
    context = navigation(request)
    with django_assert_num_queries(1):
        assert len(context["user_roles"]) == 0
        list(context["user_roles"])
        # a user without roles has no section to use: the workbench and (staff) the admin
        assert [str(i["label"]) for i in context["nav_items"]] == ["工作台", "管理后台"]


def test_anonymous_shell_runs_no_role_query(rf, db, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    from accounts.context_processors import navigation

    request = rf.get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        context = navigation(request)
    assert context == {"nav_items": [], "user_roles": []}


def test_staff_sees_admin_link_and_active_section(client, user):
    user.is_staff = True
    user.save()
    client.force_login(user)
    html = client.get(reverse("accounts:password_change")).content.decode()
    assert f'href="{reverse("admin:index")}"' in html
    assert 'class="active"' not in html  # the password page is in no nav section


def test_nav_marks_current_section(rf, user):
    from django.urls import resolve

    from accounts.context_processors import nav_items

    request = rf.get(reverse("stations:list"))
    user.is_superuser = True  # sees every section (liaison.scoping.nav_sections)
    request.user = user
    request.resolver_match = resolve(reverse("stations:list"))
    active = [item["label"] for item in nav_items(request) if item["active"]]
    assert active == ["联络站"]


def test_language_switch_to_english(client, user):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("accounts:login")})
    assert response.status_code == 302
    html = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="en">' in html


def test_admin_password_change_uses_our_template(client, user):
    # Our templates/registration/ overrides the admin's, so the admin's page must still work.
    user.is_staff = True
    user.save()
    client.force_login(user)
    response = client.get(reverse("admin:password_change"))
    assert response.status_code == 200
    assert "确认修改" in response.content.decode()
