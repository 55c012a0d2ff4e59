"""Pages of the oversight app: parse input, check access through ``liaison.scoping``,
call a selector or service, render."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from deputies.models import Deputy
from liaison.files import stored_file_response
from liaison.pagination import keyset_page
from liaison.scoping import (
    access_performance_file,
    can_add_file_entry,
    can_manage_evaluation,
    can_review_file_entries,
    can_use_oversight,
    can_view_unit_performance,
    evaluation_regions,
    get_scoped_or_404,
    performance_files_q,
)
from oversight import circulars as circular_service
from oversight import inspections as inspections_service
from oversight import printing, selectors, services, stations, units
from oversight.forms import FileEntryForm, FixForm, InspectionForm, OverrideForm
from oversight.models import Circular, FileEntry, Grade, InspectionFinding
from reports.periods import Period
from stations.models import Region
from suggestions.models import HandlingUnit


def _year(request) -> int:
    text = (request.GET.get("year") or request.POST.get("year") or "").strip()
    this_year = timezone.localdate().year
    if text.isdigit() and 2000 <= int(text) <= this_year + 1:
        return int(text)
    return this_year


def _years() -> list[int]:
    this_year = timezone.localdate().year
    return list(range(this_year, this_year - 6, -1))


@login_required
def oversight_index(request):
    """The performance files the user may read (their own for a deputy), and the regions
    they evaluate."""
    if not can_use_oversight(request.user):
        raise PermissionDenied(_("履职档案供县、市人大工作人员和代表本人查看。"))
    year = _year(request)
    deputies = Deputy.objects.filter(performance_files_q(request.user)).select_related("home_station")
    query = (request.GET.get("q") or "").strip()[:50].replace("\x00", "")
    if query:
        deputies = deputies.filter(name__icontains=query)
    page = keyset_page(request, deputies, ordering=("name", "id"))
    context = {
        "year": year,
        "years": _years(),
        "page": page,
        "query": query,
        "regions": evaluation_regions(request.user),
    }
    return render(request, "oversight/index.html", context)


def _file_context(request, deputy: Deputy, year: int, form=None) -> dict:
    file = selectors.deputy_file(deputy=deputy, year=year)
    may_review = can_review_file_entries(request.user, deputy)
    return {
        "file": file,
        "deputy": deputy,
        "year": year,
        "years": _years(),
        "may_review": may_review,
        "may_add": can_add_file_entry(request.user, deputy),
        "form": form or FileEntryForm(year=year, initial={"client_token": uuid.uuid4()}),
        "entry_statuses": FileEntry.Status,
    }


@login_required
def file_detail(request, pk):
    deputy = access_performance_file(request.user, pk)
    year = _year(request)
    return render(request, "oversight/file.html", _file_context(request, deputy, year))


@login_required
def file_pdf(request, pk):
    deputy = access_performance_file(request.user, pk)
    year = _year(request)
    content = printing.write_file_pdf(selectors.deputy_file(deputy=deputy, year=year))
    name = _("%(name)s_%(year)s年履职档案.pdf") % {"name": deputy.name, "year": year}
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename=\"file.pdf\"; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "private, no-store"
    return response


def _file_url(deputy: Deputy, year: int) -> str:
    return f"{reverse('oversight:file', args=[deputy.pk])}?year={year}"


@login_required
@require_POST
def file_entry_add(request, pk):
    deputy = access_performance_file(request.user, pk)
    if not can_add_file_entry(request.user, deputy):
        raise PermissionDenied(_("您无权登记该代表的履职事项。"))
    year = _year(request)
    form = FileEntryForm(request.POST, request.FILES, year=year)
    if not form.is_valid():
        return render(request, "oversight/file.html", _file_context(request, deputy, year, form), status=400)
    data = form.cleaned_data
    staff = can_review_file_entries(request.user, deputy)
    services.file_entry_submit(
        deputy=deputy,
        actor=request.user,
        kind=data["kind"],
        occurred_on=data["occurred_on"],
        title=data["title"],
        source=data["source"],
        evidence=data.get("evidence"),
        evidence_type=getattr(form, "evidence_type", ""),
        confirmed=staff,
        client_token=data.get("client_token"),
    )
    messages.success(request, _("已登记。") if staff else _("已提交，待工作人员确认。"))
    return redirect(_file_url(deputy, year))


@login_required
@require_POST
def file_entry_review_view(request, pk):
    deputy = access_performance_file(request.user, pk)
    if not can_review_file_entries(request.user, deputy):
        raise PermissionDenied(_("只有县、市人大工作人员可以确认履职事项。"))
    year = _year(request)
    entry_id = (request.POST.get("entry") or "").strip()
    if not entry_id.isdigit():
        return HttpResponseBadRequest(_("请指定要确认的登记事项。"))
    try:
        services.file_entry_review(
            entry_id=int(entry_id),
            deputy=deputy,
            actor=request.user,
            confirm=request.POST.get("decision") != "reject",
            note=request.POST.get("note", "")[:200],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已处理。"))
    return redirect(_file_url(deputy, year))


@login_required
def file_evidence(request, pk):
    deputy = access_performance_file(request.user, pk)
    entry_id = (request.GET.get("entry") or "").strip()
    if not entry_id.isdigit():
        return HttpResponseBadRequest(_("请指定登记事项。"))
    entry = FileEntry.objects.filter(pk=int(entry_id), deputy=deputy).exclude(evidence="").first()
    if entry is None:
        raise Http404(_("未找到该佐证材料。"))
    extension = entry.evidence.name.rsplit(".", 1)[-1]
    return stored_file_response(
        entry.evidence,
        content_type=entry.evidence_type,
        disposition=f'inline; filename="evidence.{extension}"',
        cache_control="private, no-store",
    )


# --- the annual evaluation -------------------------------------------------------------------


def _evaluation_region(request, pk) -> Region:
    region = get_scoped_or_404(request.user, Region.objects.all(), pk=pk)
    if not can_manage_evaluation(request.user, region):
        raise PermissionDenied(_("履职考核由县、市人大工作人员组织。"))
    return region


def _evaluation_url(region: Region, year: int) -> str:
    return f"{reverse('oversight:evaluation', args=[region.pk])}?year={year}"


@login_required
def evaluation_detail(request, pk):
    region = _evaluation_region(request, pk)
    year = _year(request)
    run = selectors.evaluation_run_for(region=region, year=year)
    results = list(selectors.evaluation_results(run=run)) if run else []
    for r in results:
        r.why = selectors.explain(inputs=r.inputs, points=r.points, rule=run.rule)
    reproducible = None
    if run is not None and run.is_closed and request.GET.get("check") == "1":
        again = {r.deputy_id: r for r in services.evaluation_rescore(run=run)}
        reproducible = all(
            again[r.deputy_id].score == r.score and again[r.deputy_id].computed_grade == r.computed_grade
            for r in results
        )
    context = {
        "region": region,
        "year": year,
        "years": _years(),
        "scheme": run.scheme if run and run.is_closed else selectors.scheme_for(region=region, year=year),
        "run": run,
        "results": results,
        "flagged": [r for r in results if r.flagged],
        "grades": Grade.choices,
        "grade_counts": [
            (label, sum(1 for r in results if r.grade == value)) for value, label in Grade.choices
        ],
        "indicators": run.rule.get("indicators", []) if run else [],
        "reproducible": reproducible,
    }
    return render(request, "oversight/evaluation.html", context)


@login_required
@require_POST
def evaluation_run_view(request, pk):
    region = _evaluation_region(request, pk)
    year = _year(request)
    try:
        services.evaluation_run(region=region, year=year, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已按考核方案计算。"))
    return redirect(_evaluation_url(region, year))


@login_required
@require_POST
def evaluation_close_view(request, pk):
    region = _evaluation_region(request, pk)
    year = _year(request)
    run = selectors.evaluation_run_for(region=region, year=year)
    if run is None:
        messages.error(request, _("尚未计算，不能归档。"))
        return redirect(_evaluation_url(region, year))
    try:
        services.evaluation_close(run=run, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已归档：计算依据已存档，重新核算结果不变。"))
    return redirect(_evaluation_url(region, year))


@login_required
@require_POST
def evaluation_override_view(request, pk):
    region = _evaluation_region(request, pk)
    year = _year(request)
    run = selectors.evaluation_run_for(region=region, year=year)
    form = OverrideForm(request.POST)
    if run is None or not form.is_valid():
        messages.error(request, _("请选择代表和等次。"))
        return redirect(_evaluation_url(region, year))
    try:
        services.evaluation_override(
            run=run,
            result_id=form.cleaned_data["result"],
            grade=form.cleaned_data["grade"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("等次已调整，调整记录已留痕。"))
    return redirect(_evaluation_url(region, year))


# --- the five-star rating of stations ---------------------------------------------------------


def _ratings_url(region: Region, year: int) -> str:
    return f"{reverse('oversight:ratings', args=[region.pk])}?year={year}"


@login_required
def station_ratings(request, pk):
    region = _evaluation_region(request, pk)
    year = _year(request)
    ratings = list(stations.ratings_in(region=region, year=year))
    for r in ratings:
        r.why = stations.explain_rating(r)
        r.star_range = range(r.stars)
    closure = stations.closure_for(region=region, year=year)
    reproducible = None
    if closure is not None and request.GET.get("check") == "1":
        again = stations.station_rating_rescore(ratings)
        reproducible = all(again[r.pk][0] == r.computed_stars and again[r.pk][1] == r.levels for r in ratings)
    context = {
        "region": region,
        "year": year,
        "years": _years(),
        "rule": stations.star_rule_for(region=region, year=year),
        "closure": closure,
        "reproducible": reproducible,
        "ratings": ratings,
        "star_counts": [(n, sum(1 for r in ratings if r.stars == n)) for n in range(5, -1, -1)],
        "star_choices": range(6),
    }
    return render(request, "oversight/ratings.html", context)


@login_required
@require_POST
def station_rating_run_view(request, pk):
    region = _evaluation_region(request, pk)
    year = _year(request)
    try:
        stations.station_rating_run(region=region, year=year, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已按星级评定办法计算。"))
    return redirect(_ratings_url(region, year))


@login_required
@require_POST
def station_rating_override_view(request, pk):
    region = _evaluation_region(request, pk)
    year = _year(request)
    rating = (
        stations.ratings_in(region=region, year=year)
        .filter(pk=_uuid_or_none(request.POST.get("rating")))
        .first()
    )
    stars_text = (request.POST.get("stars") or "").strip()
    if rating is None or not stars_text.isdigit():
        messages.error(request, _("请选择联络站和星级。"))
        return redirect(_ratings_url(region, year))
    try:
        stations.station_rating_override(
            rating_id=rating.pk,
            stars=int(stars_text),
            reason=request.POST.get("reason", "")[:500],
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("星级已调整，调整记录已留痕。"))
    return redirect(_ratings_url(region, year))


@login_required
@require_POST
def station_rating_close_view(request, pk):
    region = _evaluation_region(request, pk)
    year = _year(request)
    try:
        stations.station_rating_close(region=region, year=year, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已归档：计算依据已存档，重新核算星级不变。"))
    return redirect(_ratings_url(region, year))


@login_required
def station_rating_why(request, pk):
    """为什么是 N 星？ One station's rating with every input, every threshold, the level
    per criterion and every override (who, when, why)."""
    region = _evaluation_region(request, pk)
    year = _year(request)
    rating_id = _uuid_or_none(request.GET.get("r"))
    if rating_id is None:
        return HttpResponseBadRequest(_("请指定联络站的星级。"))
    rating = (
        stations.ratings_in(region=region, year=year).filter(pk=rating_id).select_related("region").first()
    )
    if rating is None:
        raise Http404(_("未找到该联络站的星级。"))
    context = {
        "region": region,
        "year": year,
        "rating": rating,
        "why": stations.why_rating(rating),
        "closure": stations.closure_for(region=region, year=year),
        "star_range": range(rating.stars),
    }
    return render(request, "oversight/rating_why.html", context)


def _uuid_or_none(text):
    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


# --- circulars (通报) ---------------------------------------------------------------------------

PERIOD_PARTS = {
    "year": _lazy("全年"),
    "h1": _lazy("上半年"),
    "h2": _lazy("下半年"),
    "q1": _lazy("第一季度"),
    "q2": _lazy("第二季度"),
    "q3": _lazy("第三季度"),
    "q4": _lazy("第四季度"),
}


def _period(year: int, part: str) -> Period:
    if part == "year":
        return Period.year(year)
    if part in ("h1", "h2"):
        return Period.half(year, int(part[1]))
    return Period.quarter(year, int(part[1]))


def _circulars_url(region: Region) -> str:
    return reverse("oversight:circulars", args=[region.pk])


def _circular(request, region: Region) -> Circular:
    text = (request.GET.get("c") or request.POST.get("c") or "").strip()
    if not text.isdigit():
        raise _BadRequest
    circular = Circular.objects.filter(pk=int(text), region__path__startswith=region.path).first()
    if circular is None:
        raise Http404(_("未找到该通报。"))
    return circular


class _BadRequest(Exception):
    pass


def _circular_view(view):
    def wrapped(request, pk):
        region = _evaluation_region(request, pk)
        try:
            return view(request, region, _circular(request, region))
        except _BadRequest:
            return HttpResponseBadRequest(_("请指定通报。"))

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return login_required(wrapped)


@login_required
def circulars(request, pk):
    """The circulars of a region (issued ones kept and listed) and the form for a new one."""
    region = _evaluation_region(request, pk)
    items = list(Circular.objects.filter(region=region).select_related("created_by", "issued_by")[:200])
    context = {
        "region": region,
        "circulars": items,
        "years": _years(),
        "year": _year(request),
        "parts": PERIOD_PARTS,
    }
    return render(request, "oversight/circulars.html", context)


@login_required
@require_POST
def circular_create(request, pk):
    region = _evaluation_region(request, pk)
    part = request.POST.get("part") or "year"
    office = (request.POST.get("issuing_office") or "").strip()[:100]
    if part not in PERIOD_PARTS or not office:
        messages.error(request, _("请选择期间并填写发文机关。"))
        return redirect(_circulars_url(region))
    circular = circular_service.circular_draft(
        region=region, period=_period(_year(request), part), actor=request.user, issuing_office=office
    )
    messages.success(request, _("已生成通报草稿，请核改后印发。"))
    return redirect(f"{reverse('oversight:circular_edit', args=[region.pk])}?c={circular.pk}")


@_circular_view
def circular_edit(request, region, circular):
    if request.method == "POST":
        try:
            circular_service.circular_update(
                circular_id=circular.pk,
                title=request.POST.get("title", "")[:200],
                number=request.POST.get("number", "")[:50],
                issuing_office=request.POST.get("issuing_office", "")[:100],
                body=request.POST.get("body", "")[:20000],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已保存。"))
        return redirect(f"{reverse('oversight:circular_edit', args=[region.pk])}?c={circular.pk}")
    return render(request, "oversight/circular.html", {"region": region, "c": circular})


@_circular_view
@require_POST
def circular_issue(request, region, circular):
    try:
        circular_service.circular_issue(circular_id=circular.pk, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("通报已印发。"))
    return redirect(f"{reverse('oversight:circular_edit', args=[region.pk])}?c={circular.pk}")


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    ext = name.rsplit(".", 1)[-1]
    response["Content-Disposition"] = (
        f"attachment; filename=\"circular.{ext}\"; filename*=UTF-8''{quote(name)}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@_circular_view
def circular_docx(request, region, circular):
    return _download(
        circular_service.write_docx(circular),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        f"{circular.title}.docx",
    )


@_circular_view
def circular_pdf(request, region, circular):
    return _download(circular_service.write_pdf(circular), "application/pdf", f"{circular.title}.pdf")


# --- handling units' performance ----------------------------------------------------------------


@login_required
def unit_ranking_view(request, pk):
    region = _evaluation_region(request, pk)
    year = _year(request)
    rows = units.unit_ranking(region=region, period=Period.year(year))
    context = {
        "region": region,
        "year": year,
        "years": _years(),
        "rows": rows,
        "target": units.ON_TIME_TARGET,
    }
    return render(request, "oversight/units.html", context)


@login_required
def unit_detail(request, pk):
    unit = get_scoped_or_404(request.user, HandlingUnit.objects.select_related("region"), pk=pk)
    if not can_view_unit_performance(request.user, unit):
        raise PermissionDenied(_("承办单位的履职情况供本单位和县、市人大工作人员查看。"))
    year = _year(request)
    row = units.unit_performance(unit=unit, period=Period.year(year))
    return render(request, "oversight/unit.html", {"unit": unit, "year": year, "years": _years(), "row": row})


# --- station inspections (督导检查) and the follow-up of their problems (整改跟踪) ------------


def _inspections_url(region: Region) -> str:
    return reverse("oversight:inspections", args=[region.pk])


def _inspection_url(region: Region, inspection_id: int) -> str:
    return f"{reverse('oversight:inspection', args=[region.pk])}?i={inspection_id}"


def _int_param(request, name: str) -> int | None:
    text = (request.GET.get(name) or request.POST.get(name) or "").strip()
    return int(text) if text.isdigit() and len(text) < 12 else None


@login_required
def inspections(request, pk):
    """The inspection visits of a region's stations, newest first, with their problems."""
    region = _evaluation_region(request, pk)
    year_text = (request.GET.get("year") or "").strip()
    year = _year(request) if year_text else None
    page = keyset_page(
        request, inspections_service.inspections_in(region=region, year=year), ordering=("-visited_on", "-pk")
    )
    context = {
        "region": region,
        "year": year,
        "years": _years(),
        "page": page,
        "counts": inspections_service.problem_counts(region=region),
    }
    return render(request, "oversight/inspections.html", context)


@login_required
def inspection_new(request, pk):
    region = _evaluation_region(request, pk)
    stations_qs = list(inspections_service.inspected_stations(region=region))
    if request.method == "POST":
        form = InspectionForm(request.POST, request.FILES, stations=stations_qs)
        if form.is_valid():
            data = form.cleaned_data
            station = next(s for s in stations_qs if str(s.pk) == data["station"])
            try:
                inspection = inspections_service.inspection_record(
                    station=station,
                    visited_on=data["visited_on"],
                    inspectors=data["inspectors"],
                    notes=data["notes"],
                    findings=form.findings(),
                    actor=request.user,
                    client_token=data.get("client_token"),
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("已登记督导检查。"))
                return redirect(_inspection_url(region, inspection.pk))
        status = 400
    else:
        initial = {"client_token": uuid.uuid4(), "visited_on": timezone.localdate()}
        form, status = InspectionForm(stations=stations_qs, initial=initial), 200
    return render(request, "oversight/inspection_form.html", {"region": region, "form": form}, status=status)


def _inspection_or_404(request, region: Region):
    inspection_id = _int_param(request, "i")
    if inspection_id is None:
        raise _BadRequest
    inspection = inspections_service.inspection_in(region=region, inspection_id=inspection_id)
    if inspection is None:
        raise Http404(_("未找到该督导检查。"))
    return inspection


@login_required
def inspection_detail(request, pk):
    """One visit: its checklist with findings and photos, the problems and their follow-up
    (printable)."""
    region = _evaluation_region(request, pk)
    try:
        inspection = _inspection_or_404(request, region)
    except _BadRequest:
        return HttpResponseBadRequest(_("请指定督导检查。"))
    findings = inspections_service.inspection_findings(inspection)
    context = {
        "region": region,
        "inspection": inspection,
        "findings": findings,
        "problems": [f for f in findings if not f.passed],
        "state_labels": inspections_service.ProblemState.LABELS,
        "today": timezone.localdate(),
    }
    return render(request, "oversight/inspection.html", context)


@login_required
@require_POST
def inspection_fix(request, pk):
    region = _evaluation_region(request, pk)
    form = FixForm(request.POST)
    back = request.POST.get("i", "")
    target = (
        _inspection_url(region, int(back)) if back.isdigit() else reverse("oversight:problems", args=[pk])
    )
    if not form.is_valid():
        messages.error(request, _("请填写整改完成日期和整改情况。"))
        return redirect(target)
    try:
        inspections_service.finding_fix(
            finding_id=form.cleaned_data["finding"],
            region=region,
            fixed_on=form.cleaned_data["fixed_on"],
            note=form.cleaned_data["note"],
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已记录整改完成。"))
    return redirect(target)


@login_required
def inspection_photo(request, pk):
    region = _evaluation_region(request, pk)
    finding_id = _int_param(request, "f")
    if finding_id is None:
        return HttpResponseBadRequest(_("请指定检查项目。"))
    finding = (
        InspectionFinding.objects.filter(
            pk=finding_id, inspection__station__region__path__startswith=region.path
        )
        .exclude(photo="")
        .first()
    )
    if finding is None:
        raise Http404(_("未找到该照片。"))
    extension = finding.photo.name.rsplit(".", 1)[-1].lower()
    return stored_file_response(
        finding.photo,
        content_type="image/png" if extension == "png" else "image/jpeg",
        disposition=f'inline; filename="photo.{extension}"',
        cache_control="private, no-store",
    )


@login_required
def problems(request, pk):
    """整改跟踪: the problems found in a region's inspections, done, overdue or open."""
    region = _evaluation_region(request, pk)
    state = request.GET.get("state") or ""
    if state not in inspections_service.ProblemState.LABELS:
        state = ""
    page = keyset_page(
        request, inspections_service.problems_in(region=region, state=state), ordering=("-pk",)
    )
    today = timezone.localdate()
    for f in page:
        f.state = inspections_service.problem_state(f, today)
    context = {
        "region": region,
        "state": state,
        "states": inspections_service.ProblemState.LABELS,
        "page": page,
        "counts": inspections_service.problem_counts(region=region),
        "today": today,
    }
    return render(request, "oversight/problems.html", context)


# --- as-of figures and the report snapshots (截至某日的数据、报表快照) ---------------------------


def _date_param(request, name: str):
    import datetime as dt

    text = (request.GET.get(name) or "").strip()
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return False


@login_required
def snapshots(request, pk):
    """The report snapshots of a region and the regions below (monthly, made by the job, and
    those fixed by hand), and the as-of report: a period's figures as they stood on a
    chosen date, from the timeline; a snapshot checked against the as-of figures of its
    moment."""
    from reports import asof
    from reports.models import ReportSnapshot
    from reports.periods import Scope
    from reports.selectors import figures

    region = _evaluation_region(request, pk)
    part = request.GET.get("part") or "year"
    if part not in PERIOD_PARTS:
        part = "year"
    year = _year(request)
    period = _period(year, part)
    on = _date_param(request, "on")
    error = ""
    as_of = live = None
    if on is False:
        error = _("日期格式应为 YYYY-MM-DD。")
    elif on is not None:
        if on > timezone.localdate():
            error = _("截至日期不能晚于今天。")
        else:
            as_of = asof.figures_as_of(scope=Scope(region=region), period=period, at=asof.end_of_day(on))
            live = figures(scope=Scope(region=region), period=period)
    checked = None
    snapshot_id = _int_param(request, "s")
    qs = ReportSnapshot.objects.filter(region__path__startswith=region.path).select_related(
        "region", "created_by"
    )
    if snapshot_id is not None:
        snap = qs.filter(pk=snapshot_id).first()
        if snap is None:
            raise Http404(_("未找到该快照。"))
        period_of = Period(snap.period_start, snap.period_end, "custom")
        again = asof.figures_as_of(scope=Scope(region=snap.region), period=period_of, at=snap.as_of)
        total = snap.figures.get("total", {})
        checked = {
            "snapshot": snap,
            "again": again,
            "stored": total,
            "same": (again.collected, again.closed) == (total.get("collected"), total.get("closed")),
        }
    page = keyset_page(request, qs, ordering=("-as_of", "-pk"))
    context = {
        "region": region,
        "page": page,
        "years": _years(),
        "year": year,
        "parts": PERIOD_PARTS,
        "part": part,
        "period": period,
        "on": on or "",
        "error": error,
        "as_of": as_of,
        "live": live,
        "checked": checked,
    }
    return render(request, "oversight/snapshots.html", context, status=400 if error else 200)
