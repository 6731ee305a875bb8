from __future__ import annotations

app_name = "payments"
urlpatterns: list = []
