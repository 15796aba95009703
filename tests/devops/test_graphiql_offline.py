"""GraphiQL works with no internet: its assets are this project's static files, pinned by integrity hashes.

The page is opened in headless Chromium (Debian's, driven by Playwright) with every request that does not go to the
test server refused, as on a clinic intranet or a train; a query with a bearer token typed into GraphiQL's
headers editor runs and its answer is shown.
"""

import base64
import hashlib
import os
import re
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders

from api.http.views import GraphQLView
from tests.conftest import bearer
from tests.services import missing

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Chromium's own background traffic off, as this machine's closed network needs (see .ci/run).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ASSETS = {
    "graphiql/graphiql.min.js": "graphiql_sri",
    "graphiql/graphiql.min.css": "graphiql_css_sri",
    "graphiql/react.production.min.js": "react_sri",
    "graphiql/react-dom.production.min.js": "react_dom_sri",
    "graphiql/fetch.umd.js": "whatwg_fetch_sri",
    "graphiql/graphql-ws.min.js": "subscriptions_transport_ws_sri",
    "graphiql/graphiql-plugin-explorer.umd.js": "graphiql_plugin_explorer_sri",
    "graphiql/graphiql-plugin-explorer.css": "graphiql_plugin_explorer_css_sri",
}


@pytest.mark.parametrize(("asset", "attribute"), ASSETS.items())
def test_each_asset_is_the_file_graphene_django_pins(asset, attribute):
    path = finders.find(asset)
    assert path, f"{asset} is not among the static files"
    digest = base64.b64encode(hashlib.sha256(Path(path).read_bytes()).digest()).decode()
    assert f"sha256-{digest}" == getattr(GraphQLView, attribute)


@pytest.mark.django_db
def test_the_graphiql_page_loads_nothing_from_another_host(client):
    page = client.get("/graphql", headers={"Accept": "text/html"}).content.decode()

    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert len(sources) == 9
    assert all(source.startswith("/static/") for source in sources), sources
    assert "cdn" not in page.lower()
    assert page.count('integrity="sha256-') == 8


@pytest.mark.django_db(transaction=True)
def test_graphiql_runs_a_query_with_a_bearer_header_offline(live_server):
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        missing(f"Chromium ({CHROMIUM})")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - a dev package of the Pipfile
        missing("Playwright")
    user = User.objects.create_user("graphiql-user", password="graphiql-password-2030")
    authorization = bearer(user)["Authorization"]
    origin = live_server.url
    refused: list[str] = []

    def only_the_test_server(route):
        if route.request.url.startswith(origin):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context()
            context.route("**/*", only_the_test_server)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{origin}/graphql?query=%7B%20viewer%20%7B%20username%20%7D%20%7D", wait_until="networkidle")
            page.wait_for_selector(".graphiql-execute-button", timeout=20_000)

            page.get_by_text("Headers", exact=True).click()
            headers_editor = page.locator(".graphiql-editor-tool .graphiql-editor").last
            headers_editor.click()
            page.keyboard.type(f'{{"Authorization": "{authorization}"')
            page.locator(".graphiql-execute-button").click()

            response = page.locator(".result-window")
            response.get_by_text('"graphiql-user"').wait_for(timeout=20_000)
            answer = response.inner_text()
        finally:
            browser.close()

    assert '"username": "graphiql-user"' in answer
    assert errors == []
    assert refused == []
