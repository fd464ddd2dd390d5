"""Where the shipped resources (icons, styles, sample payloads) are, installed or not."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path


@cache
def resources_dir() -> Path:
    """The ``resources`` folder: in the wheel, in a PyInstaller bundle, or the source tree."""
    here = Path(__file__).resolve().parent
    candidates = [here / "resources", here.parent / "resources"]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.insert(0, Path(bundle) / "resources")
    for candidate in candidates:
        if (candidate / "samples").is_dir():
            return candidate
    raise FileNotFoundError("SigFollow Desktop resources are missing from this installation")


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def sample_body(field: str) -> bytes:
    """The sample Meta body of ``field`` shipped in ``resources/samples``, byte for byte."""
    return resource_path("samples", f"{field}.json").read_bytes().rstrip(b"\n")
