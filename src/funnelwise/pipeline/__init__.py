"""Pure pipeline math: coverage against each rep's win rate, evidence-based review, realistic
value and its calibration. Canonical tables (Ibis) in, small frames out; no files, no printing.

- `snapshot`: the pipeline as it stood on a date (`--as-of`);
- `history`: what past deals say (stage durations, won cycle), before that date only;
- `rules`: the review's checks, a registry of small named rules; `flags` runs them;
- `probability`: the chance of a win in the end by stage, age, days in stage, flags and rep
  (`logistic`, learnt on past days from `landmarks`); `review` puts it together;
- `targets` and `coverage`: quota, won so far, value win rates, coverage and its status;
- `calibration`: the realistic value replayed on past dates against what closed.
"""
