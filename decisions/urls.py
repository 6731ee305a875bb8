from __future__ import annotations

from django.urls import path

from decisions import views, views_with_help

app_name = "decisions"

_stage = "<str:project_id>/stages/<str:stage_id>/"
_proposal = _stage + "proposals/<str:proposal_id>/"
_comment = _proposal + "comments/<str:comment_id>/"

urlpatterns = [
    path(_stage, views.stage_detail, name="stage"),
    path(_stage + "voting-rules/", views.voting_rules, name="voting_rules"),
    path(_stage + "proposals/", views.proposal_list, name="proposals"),
    path(_stage + "proposals/new/", views.proposal_create, name="proposal_create"),
    path(_stage + "proposals/combine/", views.proposal_merge, name="proposal_merge"),
    path(_stage + "carry-forward/", views.carry_forward, name="carry_forward"),
    path(_stage + "vote/", views.ballot, name="ballot"),
    path(_stage + "vote/recorded/", views.ballot_recorded, name="ballot_recorded"),
    path(_stage + "vote/with-help/", views_with_help.ballot_with_help, name="ballot_with_help"),
    path(_stage + "vote/paper/", views_with_help.ballot_paper, name="ballot_paper"),
    path(
        _stage + "proposals/new/with-help/",
        views_with_help.proposal_with_help,
        name="proposal_with_help",
    ),
    path(
        _proposal + "comments/new/with-help/",
        views_with_help.comment_with_help,
        name="comment_with_help",
    ),
    path(_stage + "close-voting/", views.voting_close, name="voting_close"),
    path(_stage + "decision/", views.decision, name="decision"),
    path(_stage + "decision/note/", views.decision_note, name="decision_note"),
    path(_proposal, views.proposal_detail, name="proposal"),
    path(_proposal + "edit/", views.proposal_edit, name="proposal_edit"),
    path(_proposal + "withdraw/", views.proposal_withdraw, name="proposal_withdraw"),
    path(_proposal + "hide/", views.proposal_hide, name="proposal_hide"),
    path(_comment + "edit/", views.comment_edit, name="comment_edit"),
    path(_comment + "delete/", views.comment_delete, name="comment_delete"),
    path(_comment + "hide/", views.comment_hide, name="comment_hide"),
]
