"""The sample-size planner: baseline rate, minimum detectable effect, power and significance →
visitors per variant (the agent's `sample_size` job), and days at the current traffic."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QLabel, QPushButton,
                               QSpinBox, QVBoxLayout, QWidget)

from umt.desktop.controllers.experiments import ExperimentsController


def _percent(value: float, low: float, high: float, decimals: int = 2) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setDecimals(decimals)
    box.setSuffix(" %")
    box.setValue(value)
    return box


class SampleSizeDialog(QDialog):
    """Asks the agent on Compute; the answer (or the agent's refusal) shows under the form."""

    def __init__(self, controller: ExperimentsController, *, baseline_rate: float = 0.05, daily_visitors: int = 0,
                 variants: int = 2, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Plan an experiment's sample size")
        self._controller = controller
        self.baseline = _percent(100 * baseline_rate, 0.01, 99.99)
        self.baseline.setToolTip("The rate the control converts at today.")
        self.effect = _percent(1.0, 0.01, 99.0)
        self.effect.setToolTip("The smallest change worth finding, in percentage points or as a share of the baseline.")
        self.effect_kind = QComboBox()
        self.effect_kind.addItem("percentage points (absolute)", False)
        self.effect_kind.addItem("% of the baseline (relative)", True)
        self.power = _percent(80.0, 50.0, 99.9, 1)
        self.power.setToolTip("The chance of finding the effect if it is there.")
        self.significance = _percent(5.0, 0.1, 49.9, 1)
        self.significance.setToolTip("The false-alarm rate you accept (alpha), two-sided.")
        self.variants = QSpinBox()
        self.variants.setRange(2, 20)
        self.variants.setValue(variants)
        self.daily = QSpinBox()
        self.daily.setRange(0, 2_000_000_000)
        self.daily.setGroupSeparatorShown(True)
        self.daily.setValue(daily_visitors)
        self.daily.setSpecialValueText("unknown")
        self.daily.setToolTip("Visitors a day across all variants; from this experiment's counts when it has any.")

        form = QFormLayout()
        form.addRow("Baseline rate", self.baseline)
        form.addRow("Minimum detectable effect", self.effect)
        form.addRow("Effect is in", self.effect_kind)
        form.addRow("Power", self.power)
        form.addRow("Significance (alpha)", self.significance)
        form.addRow("Variants", self.variants)
        form.addRow("Visitors a day (all variants)", self.daily)
        self.answer = QLabel("Set the figures and press Compute.")
        self.answer.setWordWrap(True)
        self.answer.setObjectName("planAnswer")
        self.compute_button = QPushButton("Compute")
        self.compute_button.setDefault(True)
        self.compute_button.clicked.connect(self.compute)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.addButton(self.compute_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.answer)
        layout.addWidget(buttons)
        self.result: Any = None
        controller.sig_plan_ready.connect(self._on_controller_plan_ready)
        controller.sig_failed.connect(self._on_controller_failed)

    def job_input(self) -> dict[str, Any]:
        return {
            "baseline_rate": self.baseline.value() / 100,
            "minimum_detectable_effect": self.effect.value() / 100,
            "relative": bool(self.effect_kind.currentData()),
            "power": self.power.value() / 100,
            "alpha": self.significance.value() / 100,
            "two_sided": True,
            "variants": self.variants.value(),
            "daily_exposures": self.daily.value() or None,
        }

    def compute(self) -> None:
        self.result = None
        self.compute_button.setEnabled(False)
        self.answer.setText("Asking the agent…")
        self._controller.plan(self.job_input())

    def _on_controller_plan_ready(self, result) -> None:
        self.result = result
        self.compute_button.setEnabled(True)
        days = (f" At {self.daily.value():,} visitors a day that takes about {result.days:,} days."
                if result.days is not None else " Enter the visitors a day to see how many days that takes.")
        self.answer.setText(
            f"<b>{result.per_variant:,} visitors per variant</b> ({result.total:,} in all) to detect a change "
            f"from {100 * result.baseline_rate:.2f} % to {100 * result.target_rate:.2f} %.{days}"
            f"<br><small>{result.method}.</small>")

    def _on_controller_failed(self, action: str, problem) -> None:
        if action == "plan":
            self.compute_button.setEnabled(True)
            self.answer.setText(f"The agent could not plan this: {problem.message}")
