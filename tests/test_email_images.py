"""Email images prepared with Pillow (catalyst.email.images): resized to twice their shown width,
re-encoded without metadata, sized in the HTML, published with the site, and held to the
budgets that `catalyst check` enforces."""

from __future__ import annotations

import io
import re
from pathlib import Path

from bs4 import BeautifulSoup
from click.testing import CliRunner
from PIL import Image

from catalyst.cli import main
from catalyst.content import loader as content
from catalyst.email import build as emails
from catalyst.email import images
from catalyst.email.budget import size_kb
from catalyst.settings import load_settings

MONTH = "2023-06"
ISSUE = "issues/2023-06.md"


def build(project: Path):
    settings = load_settings(project / "mkdocs.yml")
    library, _ = content.load(settings)
    email = emails.build(settings, library, MONTH, cache=False)
    return settings, BeautifulSoup(email.html, "lxml"), email


def use_story_image(project: Path, name: str) -> None:
    issue = project / ISSUE
    text = issue.read_text(encoding="utf-8")
    issue.write_text(text.replace("design39-design-studio.png", name), encoding="utf-8")


def test_a_large_photo_is_resized_to_twice_its_shown_width_without_its_metadata(project):
    photo = Image.new("RGB", (2400, 1200), (200, 120, 60))
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    photo.save(project / "content/assets/images/studio.jpg", "JPEG", quality=95, exif=exif)
    use_story_image(project, "studio.jpg")
    settings, soup, email = build(project)
    img = soup.find("img", class_="fluid")
    assert (img["width"], img["height"]) == ("552", "276")
    name = re.fullmatch(r"https://catalyst\.example\.org/assets/email/(.+)", img["src"]).group(1)
    assert name.startswith("studio-1104w-") and name.endswith(".jpg")
    prepared = Image.open(images.store_dir(settings) / name)
    assert prepared.format == "JPEG" and prepared.size == (1104, 552)
    assert not prepared.getexif()
    source = (project / "content/assets/images/studio.jpg").stat().st_size
    written, stored, size = next(i for i in email.images if i[0] == "assets/images/studio.jpg")
    assert stored == name and size == (images.store_dir(settings) / name).stat().st_size < source


def test_a_small_image_is_never_enlarged(project):
    settings, soup, _ = build(project)
    logo = soup.find("img", class_="logo")
    assert (logo["width"], logo["height"], logo["alt"]) == ("200", "48", "Catalyst")
    name = logo["src"].rsplit("/", 1)[1]
    assert Image.open(images.store_dir(settings) / name).size == (400, 96)
    studio = soup.find("img", class_="fluid")  # 600 px wide: shown at 552, kept at 600
    assert Image.open(images.store_dir(settings) / studio["src"].rsplit("/", 1)[1]).width == 600


def test_the_catalyzer_photo_is_in_the_email(project):
    profile = project / "content/catalyzers/contessa-orr.md"
    text = profile.read_text(encoding="utf-8")
    profile.write_text(
        text.replace(
            "month: 2023-06\n",
            "month: 2023-06\nphoto: ../assets/images/authors/devin-vodicka.png\n"
            "photo_alt: Contessa Orr smiling\n",
        ),
        encoding="utf-8",
    )
    _, soup, _ = build(project)
    photo = soup.find("img", class_="portrait")
    assert (photo["alt"], photo["width"], photo["height"]) == ("Contessa Orr smiling", "120", "120")
    assert photo.find_parent("td").find("h2").get_text() == "Learner-Centered Catalyzer"


def test_check_enforces_the_image_budgets(project):
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("email_warn_kb: 75\n", "email_warn_kb: 75\n      email_image_max_kb: 6\n"
                     "      email_images_max_kb: 10\n"),
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["-f", str(config), "check"])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if "image" in line and "KB" in line]
    assert lines == [
        f"{ISSUE}:1: error: email image 'assets/images/design39-design-studio.png' is 8 KB "
        "once prepared; keep each under 6 KB (a smaller or simpler picture)",
        f"{ISSUE}:1: error: the email's images weigh 13 KB together; keep them under 10 KB "
        "(fewer or smaller pictures)",
    ], result.output
    # The same rule stops the email itself.
    result = CliRunner().invoke(main, ["-f", str(config), "email", MONTH, "--out", str(project)])
    assert result.exit_code != 0
    assert not (project / f"{MONTH}.html").exists()


def test_the_seed_email_is_within_its_budgets(project):
    settings, _, email = build(project)
    assert size_kb(email) < 50
    assert email.images and all(size <= settings.email_image_max_kb * 1024
                                for _, _, size in email.images)
    assert sum(size for _, _, size in email.images) <= settings.email_images_max_kb * 1024


def test_the_built_site_serves_every_image_of_its_email_copies(built_site):
    copy = (built_site / "issues" / MONTH / "email.html").read_text(encoding="utf-8")
    sources = [img["src"] for img in BeautifulSoup(copy, "lxml").find_all("img")]
    assert len(sources) == 2
    for src in sources:
        assert src.startswith("../../assets/email/")
        file = (built_site / "issues" / MONTH / src).resolve()
        assert file.is_file()
        Image.open(io.BytesIO(file.read_bytes())).verify()
