"""The selected delivery in full: its request (headers with the signature, the body pretty and
raw), every attempt with the headers it sent and its answer (status, headers, first bytes) or
error, and Redeliver / Copy as cURL."""

from __future__ import annotations

import json
from collections.abc import Mapping

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sigfollow_desktop.core.http_headers import ANSWER_HEADERS_KEPT, HeaderPairs
from sigfollow_desktop.engine.replay import SignedRequest
from sigfollow_desktop.store.attempt_exchanges import AttemptExchange
from sigfollow_desktop.store.delivery_pages import AttemptView, DeliveryDetail
from sigfollow_desktop.ui.deliveries_model import last_answer, local_time
from sigfollow_desktop.ui.theme import tag

MISSING_KEY_TEXT = (
    "The webhook's signing secret is not in the keychain, so the signed headers cannot be "
    "shown. Rotate secret on the Webhooks tab issues a new one."
)
NOT_RECORDED_TEXT = (
    "Headers were not recorded for this attempt (an earlier version made it, or no request "
    "could be made)."
)


def pretty(body: bytes) -> str:
    """The body indented for reading (only for reading: what is sent is the raw bytes)."""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body.decode("utf-8", "replace")


def _header_lines(pairs: HeaderPairs, indent: str = "    ") -> list[str]:
    return [f"{indent}{name}: {value}" for name, value in pairs]


def attempt_text(attempt: AttemptView, exchange: AttemptExchange | None = None) -> str:
    """One attempt: when, how long, what it sent and what came back."""
    answer = f"HTTP {attempt.status_code}" if attempt.status_code is not None else "no answer"
    lines = [
        f"Attempt {attempt.number} · {local_time(attempt.started_at)} · "
        f"{attempt.duration_ms:.0f} ms · {answer}"
    ]
    if attempt.error:
        lines.append(f"  Error: {attempt.error}")
    if exchange is None or exchange.request_headers is None:
        lines.append(f"  {NOT_RECORDED_TEXT}")
    else:
        if exchange.response_headers is None:
            lines.append("  Request headers, as made (no answer came: it may not have arrived):")
        else:
            lines.append("  Request headers, as sent:")
        lines += _header_lines(exchange.request_headers)
        if exchange.response_headers is not None:
            lines.append(f"  Answer headers, {answer}:")
            lines += _header_lines(exchange.response_headers)
            if exchange.response_headers_cut:
                lines.append(
                    f"    … {exchange.response_headers_cut} more header(s) not kept (an "
                    f"answer's headers are kept up to {ANSWER_HEADERS_KEPT // 1024} KiB)"
                )
    if attempt.response_excerpt:
        lines.append("  Answer (first bytes):")
        lines += [f"    {line}" for line in attempt.response_excerpt.splitlines()]
    return "\n".join(lines)


def request_text(request: SignedRequest, attempts: int) -> str:
    """The Request headers tab: the latest attempt's request, and where its headers came from."""
    if request.as_sent and request.answered:
        note = f"# Attempt {request.attempt}, as sent (the headers stored with the attempt)."
    elif request.as_sent:
        note = (
            f"# Attempt {request.attempt}, as made (the headers stored with the attempt); no "
            "answer came, so it may not have arrived."
        )
    elif attempts:
        note = (
            f"# Headers were not recorded for attempt {request.attempt}: made again as the "
            "engine makes them, signed with the webhook's current secret (the secret itself "
            "is never shown)."
        )
    else:
        note = (
            "# Not attempted yet: attempt 1 as the engine will send it, signed with the "
            "webhook's current secret (the secret itself is never shown)."
        )
    lines = [note, f"POST {request.url}", *_header_lines(request.headers, indent="")]
    return "\n".join(lines)


def _text_box(name: str, accessible: str) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setObjectName(name)
    box.setAccessibleName(accessible)
    box.setReadOnly(True)
    box.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    box.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    return box


class DeliveryDetailPane(QWidget):
    """Signals:
    redeliver_requested(int): the delivery id.
    copy_curl_requested(int): the delivery id.
    """

    redeliver_requested = Signal(int)
    copy_curl_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deliveryDetail")
        self.detail: DeliveryDetail | None = None
        self.request: SignedRequest | None = None
        self.exchanges: Mapping[int, AttemptExchange] = {}

        self.title = QLabel("Select a delivery to see its attempts")
        self.title.setObjectName("deliveryTitle")
        tag(self.title, role="cardTitle")
        self.summary = QLabel("")
        self.summary.setObjectName("deliverySummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(self.summary.textInteractionFlags())
        tag(self.summary, role="muted")
        self.redeliver_button = QPushButton("Redeliver")
        self.redeliver_button.setObjectName("redeliverButton")
        self.curl_button = QPushButton("Copy as cURL")
        self.curl_button.setObjectName("copyCurlButton")
        self.redeliver_button.clicked.connect(self._redeliver)
        self.curl_button.clicked.connect(self._copy_curl)
        actions = QHBoxLayout()
        actions.setSpacing(8)
        actions.addWidget(self.title, 1)
        actions.addWidget(self.redeliver_button)
        actions.addWidget(self.curl_button)

        self.attempts = _text_box("attemptsText", "Attempts")
        self.headers = _text_box("requestHeaders", "Request headers")
        self.pretty_body = _text_box("prettyBody", "Body, indented")
        self.raw_body = _text_box("rawBody", "Body, exactly as sent")
        self.tabs = QTabWidget()
        self.tabs.setObjectName("deliveryTabs")
        self.tabs.addTab(self.attempts, "Attempts")
        self.tabs.addTab(self.headers, "Request headers")
        self.tabs.addTab(self.pretty_body, "Body")
        self.tabs.addTab(self.raw_body, "Raw body")
        bar = self.tabs.tabBar()
        bar.setObjectName("deliveryTabBar")
        bar.setAccessibleName("Delivery detail")
        for button in bar.findChildren(QToolButton):  # Qt's scroll arrows: named as ours
            button.setObjectName(f"delivery{button.objectName()}")
            button.setAccessibleName(button.objectName())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(actions)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        self.show_detail(None, None)

    def show_detail(
        self,
        detail: DeliveryDetail | None,
        request: SignedRequest | None,
        exchanges: Mapping[int, AttemptExchange] | None = None,
    ) -> None:
        self.detail, self.request, self.exchanges = detail, request, exchanges or {}
        has = detail is not None
        self.redeliver_button.setEnabled(has)
        self.curl_button.setEnabled(request is not None)
        if detail is None:
            self.title.setText("Select a delivery to see its attempts")
            self.summary.setText("")
            for box in (self.attempts, self.headers, self.pretty_body, self.raw_body):
                box.clear()
            return
        row = detail.row
        self.title.setText(f"Delivery {row.id} · {row.status}")
        self.summary.setText(
            f"To {row.url} · {row.field}{' · ' + row.meta_id if row.meta_id else ''}\n"
            f"Delivery id {row.uid} · event id {row.event_uid} · created "
            f"{local_time(row.created_at)} · {row.attempts} attempt(s) · last: {last_answer(row)}"
        )
        if detail.attempts:
            texts = [attempt_text(a, self.exchanges.get(a.number)) for a in detail.attempts]
            self.attempts.setPlainText("\n\n".join(texts))
        else:
            self.attempts.setPlainText("Not attempted yet.")
        if request is None:
            self.headers.setPlainText(MISSING_KEY_TEXT)
        else:
            self.headers.setPlainText(request_text(request, len(detail.attempts)))
        self.pretty_body.setPlainText(pretty(detail.body))
        self.raw_body.setPlainText(detail.body.decode("utf-8", "replace"))

    def raw_text(self) -> str:
        return self.raw_body.toPlainText()

    def _redeliver(self) -> None:
        if self.detail is not None:
            self.redeliver_requested.emit(self.detail.row.id)

    def _copy_curl(self) -> None:
        if self.detail is not None:
            self.copy_curl_requested.emit(self.detail.row.id)
