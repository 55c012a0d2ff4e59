from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import audit_views, user_views, views

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        views.LoginView.as_view(),
        name="login",
    ),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        views.PasswordChangeView.as_view(success_url=reverse_lazy("accounts:password_change_done")),
        name="password_change",
    ),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(success_url=reverse_lazy("accounts:password_reset_done")),
        name="password_reset",
    ),
    path("password/reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("audit/", audit_views.audit_list, name="audit"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("users/", user_views.user_list, name="users"),
    path("users/new/", user_views.user_create, name="user_create"),
    path("users/<int:pk>/", user_views.user_detail, name="user_detail"),
    path("users/<int:pk>/roles/", user_views.user_grant, name="user_grant"),
    path("users/<int:pk>/roles/<int:assignment_pk>/revoke/", user_views.user_revoke, name="user_revoke"),
    path("users/<int:pk>/active/", user_views.user_set_active, name="user_set_active"),
    path("users/<int:pk>/password/", user_views.user_password_reset, name="user_password_reset"),
    path("users/<int:pk>/two-factor/reset/", user_views.user_two_factor_reset, name="user_two_factor_reset"),
]
