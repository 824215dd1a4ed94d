"""I1 on a whole installation: after `lethe demo`, no file in the data dir holds plaintext
personal data: no name, e-mail, phone or identity number of a demo person, no activity
text and no attachment content, in the databases (main and keystore, with their WAL
files), the attachment store or anywhere else in the data dir."""

import sqlite3
from pathlib import Path

import pytest

from lethe import synthetic
from lethe.activities.demo import OPENINGS
from tests.test_cli import clean_env, run
from tests.vault.test_at_rest import encodings, needles

CONTACTS, SEED = 120, 11


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("demo")
    result = run(
        ["demo", "--no-serve", "--contacts", str(CONTACTS), "--seed", str(SEED)],
        clean_env(data_dir),
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return data_dir


def files_at_rest(data_dir: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(data_dir.rglob("*")) if p.is_file()}


def business_text(data_dir: Path) -> str:
    """Company names, domains and addresses: business data, where surnames occur too
    ("Karlsson AB"), so a name found there is not a leak."""
    with sqlite3.connect(data_dir / "lethe.sqlite3") as db:
        rows = db.execute("SELECT name, domain, street, city FROM companies_company").fetchall()
    return "\n".join(" ".join(row) for row in rows).lower()


# Fixed words every demo activity text and attachment starts with: found at rest, they
# would mean notes or files were stored unsealed.
CONTENT = {
    *OPENINGS,
    "Mötesanteckningar",  # the demo's meeting-note files
    "Sammanfattning:",  # the demo's PDF files
}


def demo_needles(data_dir: Path) -> set[bytes]:
    business = business_text(data_dir)
    people = list(synthetic.people(CONTACTS, seed=SEED))
    texts = {text for person in people for text in needles(person)} | CONTENT
    return {e for text in texts if text.lower() not in business for e in encodings(text)}


def test_no_file_of_a_demo_installation_holds_a_persons_data_in_plaintext(demo_dir):
    stored = files_at_rest(demo_dir)
    assert any(p.name.endswith(".sqlite3") for p in stored), sorted(stored)
    wanted = demo_needles(demo_dir)
    assert len(wanted) > CONTACTS * 20  # names, e-mails, phones, numbers, streets
    found = {(path.name, n) for path, data in stored.items() for n in wanted if n in data}
    assert found == set()


def test_the_scan_sees_the_demo_people(demo_dir):
    """The scan is meaningful: the regenerated people are the ones the demo stored."""
    import subprocess
    import sys

    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='lethe.settings'; django.setup();"
        "from lethe.vault.models import BlindIndex; print(BlindIndex.objects.count())"
    )
    env = clean_env(demo_dir)
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert int(out.stdout.strip()) > CONTACTS
    # Activities and files were made, so the scan covered their sealed forms too.
    assert len(list((demo_dir / "attachments").rglob("*"))) >= CONTACTS // 5
    with sqlite3.connect(demo_dir / "lethe.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM activities_activity").fetchone()[0] > CONTACTS
    # The demo's e-mail addresses are derived from the same seed: check one blind-index
    # lookup finds the first person, proving these needles are the stored people.
    person = next(synthetic.people(CONTACTS, seed=SEED))
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='lethe.settings'; django.setup();"
        "from lethe.vault import gate; from lethe.vault.policy import Actor, Purpose;"
        f"print(len(gate.match(Actor.system('t'), 'email', [{person['email'][0].lower()!r}],"
        " Purpose.CUSTOMER_RELATIONSHIP)[" + repr(person["email"][0].lower()) + "]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "1"
