"""The window: widgets, one per file, composed by ``main_window`` and ``webhooks_page``."""
