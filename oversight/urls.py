from django.urls import path

from . import views

app_name = "oversight"

urlpatterns = [
    path("", views.oversight_index, name="index"),
    path("files/<uuid:pk>/", views.file_detail, name="file"),
    path("files/<uuid:pk>/pdf/", views.file_pdf, name="file_pdf"),
    path("files/<uuid:pk>/entries/", views.file_entry_add, name="entry_add"),
    path("files/<uuid:pk>/review/", views.file_entry_review_view, name="entry_review"),
    path("files/<uuid:pk>/evidence/", views.file_evidence, name="evidence"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation"),
    path("evaluations/<int:pk>/run/", views.evaluation_run_view, name="evaluation_run"),
    path("evaluations/<int:pk>/close/", views.evaluation_close_view, name="evaluation_close"),
    path("evaluations/<int:pk>/override/", views.evaluation_override_view, name="evaluation_override"),
]

urlpatterns += [
    path("stars/<int:pk>/", views.station_ratings, name="ratings"),
    path("stars/<int:pk>/run/", views.station_rating_run_view, name="rating_run"),
    path("stars/<int:pk>/override/", views.station_rating_override_view, name="rating_override"),
    path("stars/<int:pk>/close/", views.station_rating_close_view, name="rating_close"),
    path("stars/<int:pk>/why/", views.station_rating_why, name="rating_why"),
]

urlpatterns += [
    path("circulars/<int:pk>/", views.circulars, name="circulars"),
    path("circulars/<int:pk>/new/", views.circular_create, name="circular_create"),
    path("circulars/<int:pk>/edit/", views.circular_edit, name="circular_edit"),
    path("circulars/<int:pk>/issue/", views.circular_issue, name="circular_issue"),
    path("circulars/<int:pk>/docx/", views.circular_docx, name="circular_docx"),
    path("circulars/<int:pk>/pdf/", views.circular_pdf, name="circular_pdf"),
]

urlpatterns += [
    path("units/<int:pk>/", views.unit_ranking_view, name="units"),
    path("unit/<uuid:pk>/", views.unit_detail, name="unit"),
]

urlpatterns += [
    path("inspections/<int:pk>/", views.inspections, name="inspections"),
    path("inspections/<int:pk>/new/", views.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/visit/", views.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/fix/", views.inspection_fix, name="inspection_fix"),
    path("inspections/<int:pk>/photo/", views.inspection_photo, name="inspection_photo"),
    path("inspections/<int:pk>/problems/", views.problems, name="problems"),
    path("snapshots/<int:pk>/", views.snapshots, name="snapshots"),
]
