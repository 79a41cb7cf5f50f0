import yaml
from rest_framework.test import APIClient

from homeward.agencies.services import api_token_create


def test_the_openapi_schema_documents_the_api_and_needs_a_token(world):
    client = APIClient()
    assert client.get("/api/v1/schema/").status_code == 401
    _, raw = api_token_create(agency_code=world.west_midlands_police.code, role="police_officer")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/children/", "/api/v1/children/{child_id}/"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
