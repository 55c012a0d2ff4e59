from django.urls import path

from . import views
from .workflow import TRANSITIONS

app_name = "suggestions"

urlpatterns = [
    path("", views.suggestions_list, name="list"),
    path("queue/unit/", views.unit_queue, name="unit_queue"),
    path("queue/station/", views.decision_queue, name="decision_queue"),
    path("queue/supervision/", views.supervision_queue, name="supervision_queue"),
    path("<uuid:pk>/", views.suggestions_detail, name="detail"),
    path("<uuid:pk>/attachment/", views.ticket_attachment, name="attachment"),
    path("<uuid:pk>/print/referral/", views.ticket_form_pdf, {"form": "referral"}, name="referral_pdf"),
    path("<uuid:pk>/print/reply/", views.ticket_form_pdf, {"form": "reply"}, name="reply_pdf"),
    # one POST endpoint per row of the workflow table: suggestions:<action>
    *(
        path(f"<uuid:pk>/{name.replace('_', '-')}/", views.ticket_action, {"action": name}, name=name)
        for name in TRANSITIONS
    ),
]
