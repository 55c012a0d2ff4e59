"""Pages of the roster import and the term change: parse input, call a service, render."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from deputies.models import Deputy, Mandate
from liaison import scoping
from liaison.files import stored_file_response
from onboarding import selectors, services
from onboarding.forms import ByElectionForm, ImportUploadForm, MandateEndForm, TermEndForm
from onboarding.kinds import KINDS
from onboarding.models import ImportJob, ImportKind
from onboarding.workbook import XLSX, template_bytes
from stations.models import Region


def _require_importer(user) -> None:
    if not scoping.can_import_rosters(user):
        raise PermissionDenied(_("只有县级、市级人大工作人员和系统管理员可以导入名册。"))


@login_required
@require_http_methods(["GET", "POST"])
def onboarding_index(request):
    """Upload a roster; the templates; my imports."""
    _require_importer(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = services.import_start(
                    user=request.user, kind=form.cleaned_data["kind"], name=upload.name, content=upload.read()
                )
            except services.ImportRefused as exc:
                form.add_error("file", str(exc))
            else:
                return redirect("onboarding:job", pk=job.pk)
        status = 400
    context = {
        "form": form,
        "kinds": ImportKind.choices,
        "jobs": selectors.import_jobs(user=request.user)[:20],
    }
    return render(request, "onboarding/index.html", context, status=status)


@login_required
def onboarding_template(request):
    """The template of one kind (``?kind=``, regions by default)."""
    _require_importer(request.user)
    kind = KINDS.get(request.GET.get("kind") or ImportKind.REGIONS)
    if kind is None:
        kind = KINDS[ImportKind.REGIONS]
    response = HttpResponse(template_bytes(kind), content_type=XLSX)
    name = f"{kind.title}导入模板.xlsx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{kind.key}-template.xlsx\"; filename*=UTF-8''{quote(name)}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def onboarding_job(request, pk):
    """One import: progress while checked, then the preview; POST confirms it."""
    job = selectors.import_job_for_user(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            job = services.import_confirm_request(job=job, user=request.user)
        except services.ImportRefused as exc:
            messages.error(request, str(exc))
        else:
            if job.status == ImportJob.Status.APPLIED:
                messages.success(request, _("已导入。"))
            elif job.status == ImportJob.Status.CONFIRMING:
                messages.success(request, _("文件较大，正在后台导入，完成后本页会显示结果。"))
            else:
                messages.error(request, _("数据已有变化，重新检查发现问题，未保存任何记录。"))
        return redirect("onboarding:job", pk=job.pk)
    report = job.report or {}
    context = {
        "job": job,
        "problems": report.get("problems", []),
        "rows": report.get("rows", []),
        "rows_left_off": report.get("rows_left_off", 0),
        "problems_left_off": max(0, job.problem_count - len(report.get("problems", []))),
        "checking": job.status
        in (ImportJob.Status.PENDING, ImportJob.Status.CHECKING, ImportJob.Status.CONFIRMING),
    }
    if request.GET.get("partial"):
        return render(request, "onboarding/_job_status.html", context)
    return render(request, "onboarding/job.html", context)


@login_required
def onboarding_job_file(request, pk):
    """The file as uploaded (the audit keeps it)."""
    job = selectors.import_job_for_user(user=request.user, pk=pk)
    return stored_file_response(
        job.file,
        content_type=XLSX,
        disposition=f"attachment; filename=\"import.xlsx\"; filename*=UTF-8''{quote(job.original_name)}",
        cache_control="private, no-store",
    )


@login_required
@require_http_methods(["GET", "POST"])
def onboarding_term_change(request):
    """换届: end every serving mandate of a level and term on a date (count shown first)."""
    _require_importer(request.user)
    form = TermEndForm(request.POST or None)
    count = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            region = None
            if data["congress_region"]:
                region = scoping.scoped(
                    request.user, Region.objects.filter(code=data["congress_region"])
                ).first()
                if region is None:
                    form.add_error("congress_region", _("该区划不存在或不在您的管辖范围内。"))
            if form.is_valid():
                args = {"level": data["level"], "term": data["term"], "congress_region": region}
                if data["confirm"]:
                    result = services.term_end(user=request.user, ended_on=data["ended_on"], **args)
                    text = _("已结束 %(n)s 个代表资格（任期结束 %(day)s）。") % {
                        "n": result.ended,
                        "day": f"{data['ended_on']:%Y-%m-%d}",
                    }
                    if result.skipped_started_later:
                        text += _("另有 %(n)s 个在该日期之后才开始，未处理。") % {
                            "n": result.skipped_started_later
                        }
                    messages.success(request, text)
                    return redirect(reverse("onboarding:term_change"))
                count = services.term_mandates(user=request.user, **args).count()
                status = 200
    return render(request, "onboarding/term_change.html", {"form": form, "count": count}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def onboarding_mandates(request, pk):
    """代表资格变动: one deputy's mandates; a by-election (补选) adds one mid-term, a
    termination or resignation (终止、辞职) ends one with its date and reason."""
    deputy = scoping.get_scoped_or_404(
        request.user, Deputy.objects.select_related("home_station__region", "group"), pk=pk
    )
    if not scoping.can_manage_mandates(request.user, deputy):
        raise PermissionDenied(_("只有县级、市级人大工作人员和系统管理员可以办理代表资格变动。"))
    action = request.POST.get("action")
    mandates = list(deputy.mandates.select_related("congress_region").order_by("level", "-term"))
    serving = [m for m in mandates if m.status == Mandate.Status.SERVING]
    end_form = MandateEndForm(request.POST if action == "end" else None, mandates=serving)
    by_form = ByElectionForm(request.POST if action == "by_election" else None)
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if action == "end" and end_form.is_valid():
                data = end_form.cleaned_data
                mandate = services.mandate_end(
                    user=request.user,
                    mandate=next(m for m in serving if str(m.pk) == data["mandate"]),
                    status=data["status"],
                    ended_on=data["ended_on"],
                    reason=data["reason"],
                )
                messages.success(
                    request,
                    _("%(mandate)s已%(how)s（%(day)s）。")
                    % {
                        "mandate": mandate,
                        "how": mandate.get_status_display(),
                        "day": f"{mandate.ended_on:%Y-%m-%d}",
                    },
                )
                return redirect("onboarding:mandates", pk=deputy.pk)
            if action == "by_election" and by_form.is_valid():
                data = by_form.cleaned_data
                region = None
                if data["congress_region"]:
                    region = Region.objects.filter(code=data["congress_region"]).first()
                    if region is None:
                        raise services.ImportRefused(_("该区划不存在。"))
                mandate = services.mandate_by_election(
                    user=request.user,
                    deputy=deputy,
                    level=data["level"],
                    term=data["term"],
                    started_on=data["started_on"],
                    congress_region=region,
                    constituency=data["constituency"],
                )
                messages.success(request, _("已登记补选：%(mandate)s。") % {"mandate": mandate})
                return redirect("onboarding:mandates", pk=deputy.pk)
        except services.ImportRefused as exc:
            form = end_form if action == "end" else by_form
            form.add_error(None, str(exc))
    context = {
        "deputy": deputy,
        "mandates": mandates,
        "serving": serving,
        "end_form": end_form,
        "by_form": by_form,
        "action": action,
    }
    return render(request, "onboarding/mandates.html", context, status=status)
