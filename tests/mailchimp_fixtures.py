"""Fixtures of the Mailchimp tests (a pytest plugin: modules list it in `pytest_plugins`)."""

from __future__ import annotations

import dataclasses

import pytest

from conftest import copy_project
from fake_mailchimp import LIST_ID, FakeMailchimp
from mailchimp_support import MONTH


@pytest.fixture
def fake():
    try:
        server = FakeMailchimp()
    except FileNotFoundError as error:
        pytest.fail(str(error), pytrace=False)
    with server:
        yield server


@pytest.fixture(scope="session")
def june(tmp_path_factory):
    """The real June 2023 issue and its built email (built once: it takes a moment)."""
    from catalyst.content import loader as content
    from catalyst.email import build as emails
    from catalyst.settings import load_settings

    project = copy_project(tmp_path_factory.mktemp("june") / "project")
    settings = load_settings(project / "mkdocs.yml")
    library, _ = content.load(settings)
    email = emails.build(settings, library, MONTH)
    return library.issues[MONTH], email.html, email.text


@pytest.fixture
def newsletter(settings):
    """The project's settings, sending to the fake's audience."""
    return dataclasses.replace(settings, audience_id=LIST_ID)
