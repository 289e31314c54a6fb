def test_the_api_root_links_its_schema_docs_and_health(api_client, db):
    response = api_client.get("/api/")

    assert response.status_code == 200
    assert response.json() == {
        "schema": "http://testserver/api/schema/",
        "docs": "http://testserver/api/docs/",
        "health": "http://testserver/api/health/",
    }
    for url in response.json().values():
        assert api_client.get(url).status_code == 200
