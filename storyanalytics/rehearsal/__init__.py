"""REHEARSAL: the offline rehearsal of the whole cloud journey (a product feature, clearly labelled).

`story-analytics rehearse` / `invoke rehearse` run the three runbook notebooks against a local stand-in
for AWS: moto, a local PostgreSQL database and the app itself in cloud mode. A real deploy never uses it.
"""

from storyanalytics.rehearsal.infra import RehearsalError
from storyanalytics.rehearsal.journey import Rehearsal, run_rehearsal

__all__ = ["Rehearsal", "RehearsalError", "run_rehearsal"]
