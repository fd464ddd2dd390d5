"""SigFollow Desktop: webhook admin and signed, retried delivery of SigFollow events."""

__version__ = "0.1.0"
APP_NAME = "SigFollow Desktop"

__all__ = ["APP_NAME", "__version__"]
