"""Every number the command line takes: never a traceback, one clear line, nothing stored.

``nan``, ``inf``, ``1e308``, ``0``, ``-1``, 25-digit counts and bytes that are not UTF-8 are
each refused before anything runs (exit code 2); an accepted value is finite and within the
documented bounds; a command that fails (exit code 1) says why in one line and stores nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sigfollow_desktop.cli import build_parser
from sigfollow_desktop.cli.context import UsageError
from sigfollow_desktop.cli.engine import _config
from sigfollow_desktop.cli.options import MAX_INT64
from sigfollow_desktop.engine.dispatcher import LEASE_MARGIN, EngineConfig
from tests.cli.conftest import RunCli
from tests.support.memory_keyring import MemoryKeyring
from tests.support.store_rows import store_rows

# Where each numeric option sits on a command line (the value goes last) and its bounds.
SECONDS: dict[tuple[str, ...], tuple[float, float]] = {
    ("engine", "run", "--timeout"): (0.1, 600.0),
    ("engine", "run", "--lease"): (1.0, 86_400.0),
    ("webhooks", "test", "1", "--timeout"): (0.1, 600.0),
    ("receive", "--delay"): (0.0, 3600.0),
}
WHOLE: dict[tuple[str, ...], tuple[int, int]] = {
    ("engine", "run", "--senders"): (1, 512),
    ("engine", "run", "--per-webhook"): (1, 512),
    ("events", "simulate", "--count"): (1, 1_000_000),
    ("events", "simulate", "--seed"): (0, MAX_INT64),
    ("events", "list", "--limit"): (1, 1_000_000),
    ("deliveries", "list", "--limit"): (1, 1_000_000),
    ("deliveries", "list", "--webhook"): (1, MAX_INT64),
    ("deliveries", "show"): (1, MAX_INT64),
    ("deliveries", "redeliver"): (1, MAX_INT64),
    ("deliveries", "recover", "--since", "1h"): (1, MAX_INT64),
    ("webhooks", "show"): (1, MAX_INT64),
    ("webhooks", "disable"): (1, MAX_INT64),
    ("receive", "--port"): (0, 65_535),
    ("receive", "--status"): (100, 599),
}
# Commands cheap enough to run for real with any accepted value; the others (the engine, the
# receiver, big simulations) run until stopped, so for them the parsed value is checked.
RUNNABLE = {
    ("events", "list", "--limit"),
    ("deliveries", "list", "--limit"),
    ("deliveries", "list", "--webhook"),
    ("deliveries", "show"),
    ("deliveries", "redeliver"),
    ("deliveries", "recover", "--since", "1h"),
    ("webhooks", "show"),
    ("webhooks", "disable"),
}

NASTY = [
    "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e308", "-1e308", "1e-400", "0", "-0",
    "-1", "0.0", "0x10", "1_000", "１２", "9" * 25, "9" * 5000, "", " ", "1 2", "\udcff",
    "1\udcff", "3.5", "1e3", str(2**63), str(2**63 - 1), "--1",
]  # fmt: skip

values = st.one_of(
    st.sampled_from(NASTY),
    st.integers().map(str),
    st.integers(-5, 70_000).map(str),
    st.floats().map(repr),
    st.floats(-10, 100_000).map(str),
    st.text(max_size=12),
)


PARSER = build_parser()


def _parse(argv: list[str]) -> tuple[argparse.Namespace | None, int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            return PARSER.parse_args(argv), 0, ""
        except SystemExit as exc:
            return None, int(exc.code or 0), err.getvalue()


def _one_clear_line(err: str, option: str) -> None:
    assert err.endswith("\n")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    assert err.startswith("sigfollow-desktop")
    assert option in err, err


def _value(args: argparse.Namespace, place: tuple[str, ...]) -> object:
    option = place[-1]
    if option.startswith("--"):
        return getattr(args, option.removeprefix("--").replace("-", "_"))
    return args.webhook if place[:2] == ("deliveries", "recover") else args.id


def _option_name(place: tuple[str, ...]) -> str:
    if place[:2] == ("deliveries", "recover"):
        return "WEBHOOK"
    return place[-1] if place[-1].startswith("--") else "ID"


def _argv(place: tuple[str, ...], value: str) -> list[str]:
    if place[:2] == ("deliveries", "recover"):  # the id comes before --since
        return ["deliveries", "recover", value, "--since", "1h"]
    return [*place, value]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(SECONDS)), values)
@example(("engine", "run", "--lease"), "nan")
@example(("engine", "run", "--lease"), "inf")
@example(("engine", "run", "--lease"), "1e308")
@example(("engine", "run", "--timeout"), "0")
@example(("engine", "run", "--timeout"), "-1")
@example(("engine", "run", "--timeout"), "nan")
def test_seconds_are_finite_and_bounded_or_refused_in_one_line(
    place: tuple[str, ...], value: str
) -> None:
    args, code, err = _parse(_argv(place, value))
    low, high = SECONDS[place]
    if args is None:
        assert code == 2
        _one_clear_line(err, _option_name(place))
        return
    parsed = _value(args, place)
    assert isinstance(parsed, float)
    assert math.isfinite(parsed)
    assert low <= parsed <= high


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(WHOLE)), values)
@example(("events", "simulate", "--count"), "100000000000000000000000")
@example(("engine", "run", "--senders"), "0")
@example(("deliveries", "show"), "100000000000000000000")
def test_whole_numbers_are_bounded_or_refused_in_one_line(
    place: tuple[str, ...], value: str
) -> None:
    args, code, err = _parse(_argv(place, value))
    low, high = WHOLE[place]
    if args is None:
        assert code == 2
        _one_clear_line(err, _option_name(place))
        return
    parsed = _value(args, place)
    assert isinstance(parsed, int)
    assert low <= parsed <= high


@settings(max_examples=100, deadline=None)
@given(values, values, values, values)
@example("0.5", "1", "1", "1")
@example("600", "600", "1", "1")
def test_an_engine_configuration_is_always_usable_or_refused_in_one_line(
    timeout: str, lease: str, senders: str, per_webhook: str
) -> None:
    argv = ["engine", "run", "--timeout", timeout, "--lease", lease]
    argv += ["--senders", senders, "--per-webhook", per_webhook]
    args, code, err = _parse(argv)
    if args is None:
        assert code == 2
        _one_clear_line(err, "--")
        return
    try:
        config = _config(args)
    except UsageError as exc:  # run_command prints it as one line, exit code 2
        refusal = str(exc)
    else:
        refusal = ""
    if refusal:
        assert "\n" not in refusal
        assert "--lease" in refusal
        return
    assert isinstance(config, EngineConfig)
    assert math.isfinite(config.timeout)
    assert math.isfinite(config.lease)
    assert config.timeout + LEASE_MARGIN <= config.lease <= 86_400


@pytest.fixture
def one_of_each(cli: RunCli, memory_keyring: MemoryKeyring, data_dir: Path) -> Path:
    """A webhook, one event and its delivery, so commands have something to find."""
    assert cli("webhooks", "add", "http://127.0.0.1:9/h", "--enable").code == 0
    assert cli("events", "simulate", "--count", "1", "--events", "statuses").code == 0
    return data_dir


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(sorted(RUNNABLE)), values)
@example(("deliveries", "show"), "100000000000000000000")
@example(("events", "list", "--limit"), "100000000000000000000")
def test_commands_run_with_any_number_never_print_a_traceback_or_store_on_failure(
    cli: RunCli, one_of_each: Path, place: tuple[str, ...], value: str
) -> None:
    before = store_rows(one_of_each)
    run = cli(*_argv(place, value))
    assert "Traceback" not in run.err
    if run.code == 0:
        return
    assert run.code in {1, 2}, run
    assert run.err.count("\n") == 1, run.err
    assert run.out == ""
    assert store_rows(one_of_each) == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["engine", "run", "--lease", "nan"], "argument --lease: 'nan' is not a number of seconds"),
        (["engine", "run", "--lease", "inf"], "'inf' is not a number of seconds from 1 to 86,400"),
        (["engine", "run", "--lease", "1e308"], "'1e308' is not a number of seconds"),
        (["engine", "run", "--timeout", "0"], "'0' is not a number of seconds from 0.1 to 600"),
        (["engine", "run", "--timeout", "-1"], "'-1' is not a number of seconds"),
        (["engine", "run", "--timeout", "nan"], "'nan' is not a number of seconds"),
        (["engine", "run", "--timeout", "100", "--lease", "90"], "longer than --timeout"),
        (["events", "simulate", "--count", "9" * 25], "is not a whole number from 1 to 1,000,000"),
        (["webhooks", "show", "\udcff"], "'\\udcff' is not an id"),
    ],
)
def test_refusals_say_what_is_wrong(
    cli: RunCli, memory_keyring: MemoryKeyring, argv: list[str], message: str
) -> None:
    run = cli(*argv)
    assert run.code == 2
    assert message in run.err
    assert run.err.count("\n") == 1


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("30d", 30 * 86_400.0),
        ("12h", 43_200.0),
        ("90m", 5_400.0),
        ("1h", 3_600.0),
        ("3650d", 3_650 * 86_400.0),
        ("7D", 7 * 86_400.0),
    ],
)
def test_keep_takes_an_age_with_its_unit(value: str, kept: float) -> None:
    args, code, _ = _parse(["engine", "run", "--keep", value])
    assert code == 0
    assert args is not None
    assert _config(args).keep == kept


def test_keep_defaults_to_30_days() -> None:
    args, _, _ = _parse(["engine", "run"])
    assert args is not None
    assert _config(args).keep == 30 * 86_400.0


@pytest.mark.parametrize(
    "value", ["30", "0d", "59m", "3651d", "-3d", "1e3d", "nand", "3.5d", "d", "", "30w", "٣d"]
)
def test_keep_refuses_what_is_not_an_age_in_one_line(value: str) -> None:
    args, code, err = _parse(["engine", "run", f"--keep={value}"])  # "-3d" is not an option
    assert (args, code) == (None, 2)
    _one_clear_line(err, "--keep")
    assert "is not an age from 1h to 3650d" in err
    assert "as in 30d" in err
