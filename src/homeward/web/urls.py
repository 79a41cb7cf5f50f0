from django.conf import settings
from django.urls import path

from homeward.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-in/code/", views.sign_in_code, name="sign-in-code"),
    path("sign-out/", views.sign_out, name="sign-out"),
]

if settings.DEMO_MODE:
    # Outside demo mode there is no sink, so no such page at all.
    urlpatterns.append(path("demo/mail/", views.demo_mail, name="demo-mail"))
