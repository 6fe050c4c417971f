"""Analysis: numbers about the fitted model, by the DESIGN.md definitions, with intervals.

metrics (ROI, mROI, share, CPA), decomposition (the KPI week by week), summary (the
summary.json contract), over_time and totals (windows and totals for the report), curves
(response curves, saturation, carryover), hurdle (the mROI a channel is judged against),
plan_space and evaluator (spend plans and their outcomes over the posterior, fast),
effects (interactions, mediation, time-varying ROI), reach_frequency, calibration (lift
tests vs the model), forecast, and simulate (data with known truth, from the same mean
function). Nothing here decides or formats.
"""
