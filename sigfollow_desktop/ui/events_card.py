"""The Subscribed events card: one switch per event, with the guide's table and warning."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from sigfollow_desktop.core.fields import (
    FIELD_INFO,
    FIELDS,
    SENSITIVE_TITLE,
    SENSITIVE_WARNING,
    Field,
)
from sigfollow_desktop.ui.callout import Callout
from sigfollow_desktop.ui.confirm_dialog import ConfirmDialog
from sigfollow_desktop.ui.theme import tag
from sigfollow_desktop.ui.toggle_switch import ToggleSwitch

TITLE = "Subscribed events"
SUBTITLE = "Toggle on the ones you want your service to receive."
SENSITIVE = "Sensitive"


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

        title = QLabel(TITLE)
        title.setObjectName("eventsTitle")
        tag(title, role="cardTitle")
        subtitle = QLabel(SUBTITLE)
        subtitle.setObjectName("eventsSubtitle")
        tag(subtitle, role="muted")

        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(14)
        grid.setColumnStretch(2, 1)
        for column, text in enumerate(("Event", "Field", "What you receive")):
            header = QLabel(text)
            header.setObjectName(f"eventsHeader{column}")
            tag(header, role="columnHeader")
            grid.addWidget(header, 0, column)
        self.switches: dict[Field, ToggleSwitch] = {}
        for row, field in enumerate(FIELDS, start=1):
            info = FIELD_INFO[field]
            name = QLabel(info.event)
            name.setObjectName(f"event_{field}_name")
            tag(name, role="fieldLabel")
            name_cell = QHBoxLayout()
            name_cell.setSpacing(8)
            name_cell.addWidget(name)
            if info.sensitive:
                badge = QLabel(SENSITIVE)
                badge.setObjectName(f"event_{field}_sensitive")
                badge.setAccessibleName(SENSITIVE)
                badge.setToolTip(SENSITIVE_TITLE)
                tag(badge, role="badge")
                name_cell.addWidget(badge, 0, Qt.AlignmentFlag.AlignVCenter)
            name_cell.addStretch(1)
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
            switch.setToolTip(f"Receive {info.event}")
            switch.clicked.connect(partial(self._on_clicked, field))
            self.switches[field] = switch
            grid.addLayout(name_cell, row, 0)
            grid.addWidget(code, row, 1, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(description, row, 2)
            grid.addWidget(switch, row, 3, Qt.AlignmentFlag.AlignRight)

        warning = Callout("sensitiveWarning", "shield", SENSITIVE_TITLE, SENSITIVE_WARNING)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 20)
        layout.setSpacing(6)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(12)
        layout.addLayout(grid)
        layout.addSpacing(14)
        layout.addWidget(warning)

    def fields(self) -> tuple[Field, ...]:
        return tuple(field for field in FIELDS if self.switches[field].isChecked())

    def set_fields(self, fields: tuple[Field, ...]) -> None:
        """Show the stored subscription (no signal)."""
        for field, switch in self.switches.items():
            switch.setChecked(field in fields)

    def _on_clicked(self, field: Field) -> None:
        checked = self.switches[field].isChecked()
        if checked and FIELD_INFO[field].sensitive and not self.confirm_sensitive(self):
            self.switches[field].setChecked(False)
            return
        self.fields_changed.emit(self.fields())

    @staticmethod
    def confirm_sensitive(parent: QWidget) -> bool:
        return ConfirmDialog.ask(
            parent,
            SENSITIVE_TITLE,
            SENSITIVE_WARNING,
            "Turn on Inbound messages",
        )
