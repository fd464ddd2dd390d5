"""A seconds-long run of every part of the intake benchmark (``./dev bench intake`` is full size)."""

from __future__ import annotations

import re

import pytest

from benchmarks.intake import SMOKE, run


@pytest.mark.slow
def test_the_intake_benchmark_runs_every_part(capsys: pytest.CaptureFixture[str]) -> None:
    lines = run(SMOKE)

    assert capsys.readouterr().out.splitlines() == lines
    assert lines[0].startswith("SigFollow Desktop intake benchmark")
    assert [line[:3] for line in lines[1:]] == ["(a)", "(b)", "(c)"]
    for line in lines[1:]:
        figures = [float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*\.?\d*", line[3:])]
        assert figures
        assert all(figure >= 0 for figure in figures)
        assert "goal" in line
