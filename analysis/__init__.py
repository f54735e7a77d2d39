"""Analysis: tidy frames, plotly figures and the shareable term report (see README, Analysis).

``from analysis import frames, figures`` and build a figure from a frame, e.g.
``figures.timetable(frames.meetings(term, schedule))``.
"""

from analysis import figures, frames
from analysis.deidentify import Deidentifier, deidentify_frame, pseudonym
from analysis.progress import ProgressRecorder

__all__ = [
    "Deidentifier",
    "ProgressRecorder",
    "deidentify_frame",
    "figures",
    "frames",
    "pseudonym",
]
