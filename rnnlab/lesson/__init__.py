"""The lesson as data: steps in Markdown, checks and glossary in YAML, SVG diagrams.

    from rnnlab.lesson import load_lesson, grade, summarize, LessonError
"""

from .display import check_states, missed
from .grading import grade
from .loader import experiment_steps, load_lesson
from .models import Check, Concept, Grade, Lesson, LessonError, Option, Outcome, Prediction, Step, Target, Term
from .summary import summarize

__all__ = [
    "Check", "Concept", "Grade", "Lesson", "LessonError", "Option", "Outcome", "Prediction", "Step", "Target",
    "Term", "check_states", "experiment_steps", "grade", "load_lesson", "missed", "summarize",
]
