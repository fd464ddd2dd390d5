"""The three PRODUCT appendix bodies, exactly as shipped in resources/samples."""

from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.resources import sample_body

APPENDIX: dict[str, bytes] = {field: sample_body(field) for field in FIELDS}
