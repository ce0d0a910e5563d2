"""Localisation through the app: API errors follow the request's language;
an unknown route gets the JSON error shape."""





def test_api_errors_follow_the_request_language(client):
    vi = client.get("/api/provinces/99")
    assert vi.json()["error"]["message"] == "Tỉnh/thành phố: Không có tỉnh, thành phố nào mang mã 99."
    en = client.get("/api/provinces/99?lang=en")
    assert en.json()["error"]["message"] == "Province: There is no province with code 99."
    client.cookies.set("lang", "en")
    assert client.get("/api/provinces/99").json()["error"]["message"].startswith("Province")
    client.cookies.clear()
    header = client.get("/api/provinces/99", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert header.status_code == 404
    assert header.json()["error"]["message"] == "Province: There is no province with code 99."
    default = client.get("/api/provinces/99", headers={"Accept-Language": "fr-FR"})  # neither: Vietnamese
    assert default.json()["error"]["message"].startswith("Tỉnh/thành phố")


def test_unknown_route_gets_the_json_error_shape(client):
    response = client.get("/api/does-not-exist")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found" and error["message"] == "Trang hoặc bản ghi bạn yêu cầu không tồn tại."
