"""The benchmarks' verdict as an exit code, so a script can gate on it.

Each target is recorded as met or missed; a target that could not be measured (a tool or browser
missing) counts as missed. `finish()` prints the summary and returns 0 only when every target was met.
"""

from __future__ import annotations


class Gate:
    def __init__(self) -> None:
        self.checked: list[str] = []
        self.missed: list[str] = []

    def record(self, name: str, ok: bool) -> str:
        """PASS or MISS for one target, remembered for the exit code."""
        self.checked.append(name)
        if not ok:
            self.missed.append(name)
        return "PASS" if ok else "MISS"

    def unmeasured(self, name: str, why: str) -> str:
        """A target that could not be measured is not met."""
        return self.record(f"{name} (not measured: {why})", False)

    def finish(self) -> int:
        if not self.checked:
            print("\nNo target was measured.")
            return 1
        if self.missed:
            print(f"\nMissed {len(self.missed)} of {len(self.checked)} targets: {'; '.join(self.missed)}")
            return 1
        print(f"\nAll {len(self.checked)} targets met.")
        return 0
