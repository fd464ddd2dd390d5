import json
import subprocess
import sys
from pathlib import Path

import pytest

from sigfollow_desktop.core.signing import sign
from tests.cli.conftest import RunCli
from tests.support.memory_keyring import MemoryKeyring
from tests.support.samples import APPENDIX


@pytest.fixture
def three(tmp_path: Path) -> Path:
    path = tmp_path / "three.ndjson"
    path.write_bytes(b"\n".join(APPENDIX.values()) + b"\n")
    return path


def test_import_stores_three_events_once(
    cli: RunCli, memory_keyring: MemoryKeyring, three: Path
) -> None:
    cli(
        "webhooks",
        "add",
        "https://example.com/h",
        "--enable",
        "--events",
        "statuses,messages,template_status",
    )
    first = cli("events", "import", str(three))
    assert first.code == 0, first.err
    assert first.out.strip() == "Imported 3 events; 0 duplicates skipped; 3 deliveries queued."
    listed = cli("events", "list")
    for field in ("statuses", "messages", "template_status"):
        assert field in listed.out
    again = cli("events", "import", str(three))
    assert again.out.strip() == "Imported 0 events; 3 duplicates skipped; 0 deliveries queued."
    assert "(3 of 3 shown)" in cli("events", "list").out
    deliveries = cli("deliveries", "list")
    assert deliveries.out.count("pending") == 3
    shown = cli("deliveries", "show", "1", "--body")
    assert APPENDIX["statuses"].decode() in shown.out


def test_one_bad_line_imports_nothing_and_names_the_line(
    cli: RunCli, tmp_path: Path, three: Path
) -> None:
    bad = tmp_path / "bad.ndjson"
    bad.write_bytes(three.read_bytes() + b'{"object": "whatsapp_business_account", "entry": []}\n')
    run = cli("events", "import", str(bad))
    assert run.code == 1
    assert "nothing imported: 1 body refused" in run.err
    assert "line 4: `entry` must be a non-empty list" in run.err
    assert "No events stored" in cli("events", "list").out
    skipped = cli("events", "import", str(bad), "--skip-invalid")
    assert skipped.code == 0
    assert "Imported 3 events" in skipped.out
    assert "line 4" in skipped.err


def test_import_from_stdin_and_missing_files(
    cli: RunCli, monkeypatch: pytest.MonkeyPatch, three: Path
) -> None:
    missing = cli("events", "import", str(three) + ".nope")
    assert missing.code == 1
    assert "No such file" in missing.err
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(three.read_bytes())))
    assert "Imported 3 events" in cli("events", "import", "-").out


def test_simulate_stores_all_three_kinds(cli: RunCli, tmp_path: Path) -> None:
    run = cli("events", "simulate", "--count", "30", "--seed", "3")
    assert run.code == 0
    assert "Simulated 30 events" in run.out
    out = tmp_path / "sim.ndjson"
    assert cli("events", "simulate", "--count", "5", "--output", str(out)).code == 0
    lines = out.read_bytes().splitlines()
    assert len(lines) == 5
    assert all(json.loads(line)["object"] == "whatsapp_business_account" for line in lines)
    assert cli("events", "simulate", "--count", "0").code == 2


def test_verify_checks_a_signature_like_a_receiver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = tmp_path / "body.json"
    body.write_bytes(APPENDIX["messages"])
    good = sign("whsec_test", APPENDIX["messages"])
    command = [sys.executable, "-m", "sigfollow_desktop", "--data-dir", str(tmp_path), "verify"]
    env = {"SIGFOLLOW_SECRET": "whsec_test", "PATH": "/usr/bin:/bin"}
    ok = subprocess.run(
        [*command, "--signature", good, str(body)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "Signature valid" in ok.stdout
    bad = subprocess.run(
        [*command, "--signature", good.replace("a", "b"), "-"],
        input=APPENDIX["messages"].decode(),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert bad.returncode == 1
    assert "does not match" in bad.stderr
    no_secret = subprocess.run(
        [*command, "--signature", good, str(body)],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
        stdin=subprocess.DEVNULL,
    )
    assert no_secret.returncode == 2
    assert "SIGFOLLOW_SECRET" in no_secret.stderr
