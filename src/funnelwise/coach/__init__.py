"""Coaching on leading indicators: red-flag rules (a registry) and the Monday brief.

- `context`: the coached week, every rep's weekly counts and plans, computed once;
- `rules`: activity goal missed, conversion drop, pipeline gap, stalled deals (one module
  each), ranked by money at stake, each with evidence and questions to open with;
- `fewer_better`, `bright`: what is working, worth sharing;
- `brief`: the Monday brief per manager (rendered by `report.brief`).
"""
