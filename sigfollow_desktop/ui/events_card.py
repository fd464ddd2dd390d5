"""The Subscribed events card: one switch per event, with the guide's table and warning.

Wide, the table has the guide's three columns; narrower than that (a small screen), each
description goes under its event, so nothing is cut off and nothing scrolls sideways.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from sigfollow_desktop.core.fields import (
    FIELD_INFO,
    FIELDS,
    SENSITIVE_TITLE,
    SENSITIVE_WARNING,
    Field,
)
from sigfollow_desktop.ui import shortcuts
from sigfollow_desktop.ui.callout import Callout
from sigfollow_desktop.ui.confirm_dialog import ConfirmDialog
from sigfollow_desktop.ui.theme import tag
from sigfollow_desktop.ui.toggle_switch import ToggleSwitch

TITLE = "Subscribed events"
SUBTITLE = "Toggle on the ones you want your service to receive."
SENSITIVE = "Sensitive"
# The description column is worth keeping beside its event while it holds this many characters.
DESCRIPTION_CHARS = 26
_MARGINS = (22, 18, 22, 20)


@dataclass(frozen=True, slots=True)
class _Row:
    name: QWidget
    code: QLabel
    description: QLabel
    switch: ToggleSwitch


class EventsCard(QFrame):
    """Shows and changes which fields the selected webhook receives.

    Signals:
        fields_changed(tuple): the user chose a new set of fields (canonical order).
    """

    fields_changed = Signal(tuple)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("eventsCard")
        self.setAccessibleName(TITLE)
        tag(self, card="true")
        self._shown: tuple[Field, ...] = ()
        self._narrow: bool | None = None

        title = QLabel(TITLE)
        title.setObjectName("eventsTitle")
        tag(title, role="cardTitle")
        subtitle = QLabel(SUBTITLE)
        subtitle.setObjectName("eventsSubtitle")
        subtitle.setWordWrap(True)
        tag(subtitle, role="muted")

        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(18)
        self.grid.setVerticalSpacing(14)
        self.grid.setColumnStretch(2, 1)
        self.headers: list[QLabel] = []
        for column, text in enumerate(("Event", "Field", "What you receive")):
            header = QLabel(text)
            header.setObjectName(f"eventsHeader{column}")
            tag(header, role="columnHeader")
            self.headers.append(header)
        self.switches: dict[Field, ToggleSwitch] = {}
        self._rows: list[_Row] = []
        for index, field in enumerate(FIELDS):
            info = FIELD_INFO[field]
            name_cell = QWidget()
            name_cell.setObjectName(f"event_{field}_cell")
            name = QLabel(info.event)
            name.setObjectName(f"event_{field}_name")
            tag(name, role="fieldLabel")
            name_row = QHBoxLayout(name_cell)
            name_row.setContentsMargins(0, 0, 0, 0)
            name_row.setSpacing(8)
            name_row.addWidget(name)
            if info.sensitive:
                badge = QLabel(SENSITIVE)
                badge.setObjectName(f"event_{field}_sensitive")
                badge.setAccessibleName(SENSITIVE)
                badge.setToolTip(SENSITIVE_TITLE)
                tag(badge, role="badge")
                name_row.addWidget(badge, 0, Qt.AlignmentFlag.AlignVCenter)
            name_row.addStretch(1)
            code = QLabel(field)
            code.setObjectName(f"event_{field}_field")
            tag(code, role="code")
            description = QLabel(info.description)
            description.setObjectName(f"event_{field}_description")
            description.setWordWrap(True)
            switch = ToggleSwitch()
            switch.setObjectName(f"event_{field}_toggle")
            switch.setAccessibleName(f"{info.event} ({field})")
            switch.setAccessibleDescription(info.description)
            shortcuts.bind(switch, shortcuts.EVENT_TOGGLES[index], f"Receive {info.event}")
            if info.sensitive:
                switch.may_change = self._may_turn_sensitive
            switch.clicked.connect(partial(self._on_clicked, field))
            self.switches[field] = switch
            self._rows.append(_Row(name_cell, code, description, switch))

        warning = Callout("sensitiveWarning", "shield", SENSITIVE_TITLE, SENSITIVE_WARNING)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(*_MARGINS)
        layout.setSpacing(6)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(12)
        layout.addLayout(self.grid)
        layout.addSpacing(14)
        layout.addWidget(warning)
        self._arrange(narrow=False)

    @property
    def narrow(self) -> bool:
        return bool(self._narrow)

    def fields(self) -> tuple[Field, ...]:
        return tuple(field for field in FIELDS if self.switches[field].isChecked())

    def set_fields(self, fields: tuple[Field, ...]) -> None:
        """Show the stored subscription (no signal)."""
        self._shown = tuple(field for field in FIELDS if field in fields)
        for field, switch in self.switches.items():
            switch.setChecked(field in fields)

    def _on_clicked(self, field: Field) -> None:
        wanted = self.fields()
        if wanted != self._shown:  # a refused confirmation leaves the switch as it was
            # Shown from now on, before the store has it: a second click right after (off
            # and on again) is a change too. A refused save puts the stored one back.
            self._shown = wanted
            self.fields_changed.emit(wanted)

    def _may_turn_sensitive(self, on: bool) -> bool:
        return not on or self.confirm_sensitive(self)

    @staticmethod
    def confirm_sensitive(parent: QWidget) -> bool:
        return ConfirmDialog.ask(
            parent,
            SENSITIVE_TITLE,
            SENSITIVE_WARNING,
            "Turn on Inbound messages",
        )

    # Layout -------------------------------------------------------------------------------

    def wide_width(self) -> int:
        """The card width below which the table's three columns no longer fit."""
        name = max(row.name.sizeHint().width() for row in self._rows)
        code = max(row.code.sizeHint().width() for row in self._rows)
        switch = max(row.switch.sizeHint().width() for row in self._rows)
        description = self.fontMetrics().averageCharWidth() * DESCRIPTION_CHARS
        spacing = self.grid.horizontalSpacing() * 3
        return name + code + description + switch + spacing + _MARGINS[0] + _MARGINS[2]

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange(narrow=event.size().width() < self.wide_width())

    def _arrange(self, *, narrow: bool) -> None:
        if narrow == self._narrow:
            return
        self._narrow = narrow
        grid = self.grid
        for widget in (*self.headers, *(w for row in self._rows for w in _widgets(row))):
            grid.removeWidget(widget)
        grid.addWidget(self.headers[0], 0, 0)
        for header in self.headers[1:]:
            # Into the grid first: a label shown before it has a parent would flash up as a
            # window of its own (and take the activation from the main window).
            if not narrow:
                grid.addWidget(header, 0, self.headers.index(header))
            header.setVisible(not narrow)
        middle = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        for index, row in enumerate(self._rows):
            if narrow:
                top = 1 + index * 2
                grid.addWidget(row.name, top, 0)
                grid.addWidget(row.code, top, 1, middle)
                grid.addWidget(row.description, top + 1, 0, 1, 3)
                grid.addWidget(row.switch, top, 3, 2, 1, Qt.AlignmentFlag.AlignRight)
            else:
                top = 1 + index
                grid.addWidget(row.name, top, 0)
                grid.addWidget(row.code, top, 1, middle)
                grid.addWidget(row.description, top, 2)
                grid.addWidget(row.switch, top, 3, Qt.AlignmentFlag.AlignRight)


def _widgets(row: _Row) -> tuple[QWidget, ...]:
    return (row.name, row.code, row.description, row.switch)
