"""The site's addresses."""

from django.urls import path

from . import journeyviews, views

handler404 = "generator.web.views.not_found"
handler500 = "generator.web.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("children/", views.children, name="children"),
    path("children/<str:child_id>/", views.child, name="child"),
    path("children/<str:child_id>/download/<str:fmt>/<str:audience>/", views.download, name="download"),
    path("children/<str:child_id>/journey/move/", journeyviews.move, name="journey_move"),
    path("children/<str:child_id>/journey/sections/", journeyviews.sections, name="journey_sections"),
    path("children/<str:child_id>/journey/sign/", journeyviews.sign, name="journey_sign"),
    path("children/<str:child_id>/journey/rate/", journeyviews.rate, name="journey_rate"),
    path("children/<str:child_id>/journey/ppg/", journeyviews.ppg, name="journey_ppg"),
    path("children/<str:child_id>/journey/next-term/", journeyviews.start_next_term, name="journey_next_term"),
    path("children/<str:child_id>/journey/reply.<str:kind>", journeyviews.reply, name="journey_reply"),
    path("qa/", journeyviews.qa_queue, name="qa_queue"),
    path("owners/<str:authority>.css", journeyviews.owner_css, name="owner_css"),
    path("blank/", views.blanks, name="blanks"),
    path("blank/<str:variant_id>/<str:fmt>/<str:audience>/", views.blank_download, name="blank_download"),
    path("returns/", views.returns, name="returns"),
    path("returns/<int:upload_id>/", views.upload, name="upload"),
    path("returns/<int:upload_id>/<int:position>/<str:kind>.pdf", views.upload_file, name="upload_file"),
    path("unmatched/", views.unmatched, name="unmatched"),
    path("cohort/", views.cohort, name="cohort"),
    path("cohort/<int:job_id>/", views.job, name="job"),
    path("cohort/<int:job_id>/status.json", views.job_status, name="job_status"),
    path("cohort/<int:job_id>/files/<str:name>", views.job_file, name="job_file"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("due/", views.due, name="due"),
    path("due.ics", views.due_ics, name="due_ics"),
    path("access-log/", views.access_log, name="access_log"),
    path("users/", views.users, name="users"),
    path("static/<path:name>", views.static, name="static"),
]
