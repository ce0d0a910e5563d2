"""Pages rendered by the app: templates escape what they show;
every page shares one layout and one stylesheet and has no inline script."""

import re


def test_templates_escape_what_they_show(client):
    from training.web.templating import environment

    html = environment.from_string("<p>{{ v }}</p>").render(v='<script>alert("x")</script>')
    assert html == "<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</p>"
    page = client.get("/verify/%3Cscript%3Ealert(1)")  # the number is shown back in the search form
    assert page.status_code in (404, 422) and page.headers["content-type"].startswith("text/html")
    assert "<script>alert(1)" not in page.text and 'value="&lt;script&gt;alert(1)"' in page.text


def test_pages_share_one_layout_and_one_stylesheet_and_no_inline_script(client):
    for path in ("/verify", "/login"):
        page = client.get(path)
        assert page.status_code == 200
        assert page.text.count('<link rel="stylesheet" href="/static/site.css">') == 1
        assert "<style" not in page.text
        assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))", page.text)
    css = client.get("/static/site.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "/api/classes/" in client.get("/tools/roster.js").text
    assert "function csrf()" in client.get("/tools/common.js").text
    labels = client.get("/admin-labels.json").json()
    assert labels["labels"]["vi"] and labels["wrong_password"]["vi"]
