"""The real site: `mkdocs build --strict` of the repository, and the seeds' facts on its pages."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from conftest import mkdocs_build

POST = "blog/2023/06/how-might-learner-centered-systems-promote-relationships-and-teamwork"


def page(site: Path, path: str) -> BeautifulSoup:
    file = site / path / "index.html" if not path.endswith(".html") else site / path
    assert file.is_file(), f"{path} was not built"
    return BeautifulSoup(file.read_text(encoding="utf-8"), "lxml")


def article_text(soup: BeautifulSoup) -> str:
    return " ".join(soup.select_one("article").get_text(" ").split())


def test_every_generated_page_is_built(built_site):
    for path in (
        "",
        "blog",
        POST,
        "blog/archive/2023",
        "blog/category/leadership",
        "resources",
        "catalyzers",
        "catalyzers/contessa-orr",
        "issues",
        "issues/2023-06",
        "404.html",
    ):
        page(built_site, path)
    assert (built_site / "feed_rss_created.xml").is_file()
    assert (built_site / "sitemap.xml").is_file()
    assert (built_site / "search/search_index.json").is_file()


def test_resource_and_catalyzer_sources_are_data_not_pages(built_site):
    assert not (built_site / "resources/leading-the-way-to-trust-and-connectedness").exists()
    assert not (built_site / "issues/2023-06.md").exists()


def test_the_catalyzer_page_names_contessa_orr_and_her_county(built_site):
    soup = page(built_site, "catalyzers/contessa-orr")
    text = article_text(soup)
    assert soup.select_one("article h1").find(string=True).strip() == "Contessa Orr"
    assert "Superintendent" in text
    assert "Muhlenberg County, KY" in text
    assert "June 2023’s Learner-Centered Catalyzer" in text
    assert "LC Innovators" in text
    hrefs = [a["href"] for a in soup.select("article a[href]")]
    assert "https://x.com/ContessaOrr4" in hrefs
    assert "https://example.org/stories/logan-county-impact-story" in hrefs


def test_the_post_restores_its_comparison_table_and_pull_quote(built_site):
    soup = page(built_site, POST)
    table = soup.select_one("article table")
    assert [th.get_text(strip=True) for th in table.select("thead th")] == [
        "Industrial-System / Not Learner-Centered",
        "Learner-Centered Systems",
    ]
    rows = table.select("tbody tr")
    assert len(rows) == 7
    cells = [td.get_text(strip=True) for td in rows[3].select("td")]
    assert cells == ["Individual work", "Teamwork"]
    quote = soup.select_one("article blockquote")
    assert "Systems have a profound influence on our behavior" in quote.get_text()
    assert "Learner-Centered Leadership" in soup.select_one("article figcaption").get_text()
    text = article_text(soup)
    assert "Leave a Reply" not in text and "Log Out" not in text
    assert "accountable for outcomes" in text  # extraction damage ("account- able") mended


def test_the_resources_page_shows_each_kind_and_links_the_post(built_site):
    soup = page(built_site, "resources")
    cards = soup.select("article .grid.cards li")
    assert len(cards) == 2
    labels = [c.select_one(".catalyst-kind").get_text(strip=True) for c in cards]
    assert sorted(labels) == ["BLOG POST", "VIDEO"]
    links = {a.get_text(strip=True): a["href"] for a in soup.select("article .grid.cards a")}
    post_link = links["How might learner-centered systems promote relationships and teamwork?"]
    assert post_link.rstrip("/").endswith(POST.split("/")[-1])
    assert (built_site / "resources" / post_link / "index.html").resolve().is_file()
    assert links["Leading the way to trust and connectedness"].startswith("https://example.org/")


def test_the_issue_page_has_the_letter_and_every_section(built_site):
    soup = page(built_site, "issues/2023-06")
    text = article_text(soup)
    assert "social connectedness is a fundamental human need" in text
    assert "Yours in learner-centered collaboration, Devin" in text
    headings = [h.get_text(" ", strip=True).rstrip("¶").strip() for h in soup.select("article h2")]
    assert headings == [
        "Now booking 2023-24 partnerships!",
        "Partner spotlight: Design39",
        "Resources",
        "Learner-Centered Catalyzer",
    ]
    image = soup.select_one("article figure img")
    assert image["alt"].startswith("Design39 Learning Experience Designers")
    assert (built_site / "issues/2023-06" / image["src"]).resolve().is_file()
    assert "BLOG POST" in text and "VIDEO" in text
    assert "June’s Learner-Centered Catalyzer: Contessa Orr" in text


def test_the_archive_and_home_page_link_the_latest_issue(built_site):
    archive = page(built_site, "issues")
    assert archive.select_one("article h2 a")["href"].rstrip("/").endswith("2023-06")
    home = page(built_site, "")
    hrefs = [a["href"] for a in home.select("article a[href]")]
    assert any(h.rstrip("/").endswith("issues/2023-06") for h in hrefs)


def test_the_subscribe_form_posts_to_mailchimp_with_its_honeypot(built_site):
    form = page(built_site, "").select_one("form.catalyst-subscribe")
    assert form["action"].startswith("https://example.us21.list-manage.com/subscribe/post?u=")
    assert form["method"] == "post"
    assert form.select_one("input[type=email][name=EMAIL]") is not None
    honeypot = form.select_one("input[name^=b_]")
    assert honeypot["name"] == "b_0000000000000000000000000_0000000000"
    assert honeypot["tabindex"] == "-1"


def test_navigation_tabs_and_palettes(built_site):
    soup = page(built_site, "")
    tabs = [a.get_text(strip=True) for a in soup.select(".md-tabs__link")]
    assert tabs == ["Home", "Blog", "Resources", "Catalyzers", "Issues"]
    schemes = {i["data-md-color-scheme"] for i in soup.select("input[data-md-color-scheme]")}
    assert schemes == {"default", "slate"}


def test_front_matter_html_is_escaped_where_it_lands(project, tmp_path):
    issue = project / "issues/2023-06.md"
    issue.write_text(
        issue.read_text().replace(
            "title: Trust and connectedness", 'title: "<script>alert(1)</script> & trust"', 1
        )
    )
    catalyzer = project / "content/catalyzers/contessa-orr.md"
    catalyzer.write_text(
        catalyzer.read_text().replace("role: Superintendent", "role: <b>Superintendent</b>", 1)
    )
    result = mkdocs_build(project / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "site/issues/2023-06/index.html").read_text()
    assert "<script>alert(1)</script>" not in html
    soup = BeautifulSoup(html, "lxml")
    heading = soup.select_one("article h1").get_text(strip=True)
    assert heading.startswith("<script>alert(1)</script>")
    assert "<script>alert(1)</script>" in soup.title.get_text()
    person = (tmp_path / "site/catalyzers/contessa-orr/index.html").read_text()
    assert "<b>Superintendent</b>" not in person
    assert "&lt;b&gt;Superintendent&lt;/b&gt;" in person


def test_broken_content_fails_the_build_naming_file_and_line(project, tmp_path):
    resource = project / "content/resources/leading-the-way-to-trust-and-connectedness.md"
    resource.write_text(resource.read_text().replace("kind: video", "kind: vidoe"))
    result = mkdocs_build(project / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 1
    assert "the content has 1 problem(s)" in result.stderr
    assert (
        "content/resources/leading-the-way-to-trust-and-connectedness.md:3: error: kind: 'vidoe'"
        in result.stderr
    )
    assert not (tmp_path / "site").exists() or not any((tmp_path / "site").rglob("*.html"))
