from django.urls import path

from homeward.oversight import views

app_name = "oversight"

urlpatterns = [
    path("compliance/", views.compliance_page, name="compliance"),
    path("compliance/cases/", views.compliance_cases_page, name="compliance-cases"),
    path("compliance/download/", views.compliance_download, name="compliance-download"),
    path("annex-a/", views.annex_a_page, name="annex-a"),
    path("inspection-pack/", views.inspection_pack_page, name="pack"),
    path("inspection-pack.pdf", views.inspection_pack_pdf, name="pack-pdf"),
]
