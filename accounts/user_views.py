"""User and role management for county/city staff and admins (issue 16): the accounts of
their region's officers, station heads, deputies and units. Thin: the rule of who may
grant what is ``liaison.scoping.can_grant_role``/``can_manage_user``, the writes are in
``accounts.services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import AccountCreateForm, RoleScopeForm
from accounts.models import RoleAssignment
from liaison import scoping
from liaison.pagination import keyset_page

USER_ORDERING = ("username", "id")


def _require_manager(request) -> None:
    if not scoping.can_manage_accounts(request.user):
        raise PermissionDenied(_("只有系统管理员和县、市人大工作人员可以管理账号。"))


def _form_errors_from(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def user_list(request):
    _require_manager(request)
    query = request.GET.get("q", "").strip()[:50]
    users = selectors.managed_users(actor=request.user, query=query)
    page = keyset_page(request, users, ordering=USER_ORDERING)
    selectors.attach_roles(page.object_list, actor=request.user)
    return render(request, "accounts/users/list.html", {"page": page, "query": query})


@never_cache
@login_required
def user_create(request):
    _require_manager(request)
    form = AccountCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = services.account_create(
                actor=request.user,
                username=data["username"],
                full_name=data["full_name"],
                phone=data["phone"],
                role=data["role"],
                **form.scope(),
            )
        except PermissionDenied as exc:
            form.add_error("role", str(exc))
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            # shown once, never stored in clear: the user must change it at first sign-in
            return render(
                request, "accounts/users/password_shown.html", {"target": user, "password": password}
            )
    return render(request, "accounts/users/create.html", {"form": form})


def _managed_user(request, pk: int):
    """The user if the actor may see them in the list; the same 404 otherwise."""
    _require_manager(request)
    return get_object_or_404(selectors.managed_users(actor=request.user), pk=pk)


@login_required
def user_detail(request, pk: int, *, grant_form=None):
    target = _managed_user(request, pk)
    context = {
        "target": target,
        "assignments": selectors.user_assignments(user=target, actor=request.user),
        "events": selectors.account_events(user=target)[:20],
        "can_manage": scoping.can_manage_user(request.user, target),
        "has_two_factor": services.has_two_factor(target),
        "grant_form": grant_form or RoleScopeForm(actor=request.user),
    }
    return render(request, "accounts/users/detail.html", context, status=400 if grant_form else 200)


@require_POST
@login_required
def user_grant(request, pk: int):
    target = _managed_user(request, pk)
    form = RoleScopeForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            _assignment, changed = services.role_grant(
                actor=request.user, user=target, role=form.cleaned_data["role"], **form.scope()
            )
        except PermissionDenied as exc:
            form.add_error("role", str(exc))
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, _("已授予角色。") if changed else _("该账号已有这一角色。"))
            return redirect("accounts:user_detail", pk=target.pk)
    return user_detail(request, pk, grant_form=form)


@require_POST
@login_required
def user_revoke(request, pk: int, assignment_pk: int):
    target = _managed_user(request, pk)
    assignment = get_object_or_404(RoleAssignment, pk=assignment_pk, user=target)
    if services.role_revoke(actor=request.user, assignment=assignment):
        messages.success(request, _("已撤销角色。"))
    return redirect("accounts:user_detail", pk=target.pk)


@require_POST
@login_required
def user_set_active(request, pk: int):
    target = _managed_user(request, pk)
    active = request.POST.get("active") == "1"
    if services.account_set_active(actor=request.user, user=target, active=active):
        messages.success(request, _("账号已启用。") if active else _("账号已停用。"))
    return redirect("accounts:user_detail", pk=target.pk)


@never_cache
@require_POST
@login_required
def user_password_reset(request, pk: int):
    target = _managed_user(request, pk)
    password = services.password_reset_by_staff(actor=request.user, user=target)
    return render(request, "accounts/users/password_shown.html", {"target": target, "password": password})


@require_POST
@login_required
def user_two_factor_reset(request, pk: int):
    target = _managed_user(request, pk)
    services.two_factor_reset(actor=request.user, user=target)
    messages.success(request, _("已重置两步验证：该账号下次登录时须重新设置。"))
    return redirect("accounts:user_detail", pk=target.pk)
