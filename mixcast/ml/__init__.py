"""The machine-learning challenger: tree ensembles on MMM features, compared honestly.

``fit_ml(data, MLConfig())`` searches each channel's adstock and saturation with Optuna
over time-ordered folds (lift tests as a penalty), fits a non-negative linear media layer
on the saturated media (lift tests as extra rows) and LightGBM and XGBoost, monotone in
spend, on what it leaves, and refits all on block-bootstrap resamples over the search's
best sets; :mod:`mixcast.ml.attribution` turns the replicates into ROI, mROI and shares by
counterfactual prediction (DESIGN.md), SHAP contributions, response curves and permutation
importance; :mod:`mixcast.ml.run` writes and reads run directories with the Bayesian
model's contract; :mod:`mixcast.ml.compare` puts both models side by side.
"""

from mixcast.ml.features import FeatureSpec
from mixcast.ml.fit import MLConfig, MLFit, fit_ml
from mixcast.ml.learners import LearnerKind
from mixcast.ml.run import LIMITS, load_ml_run, predict_ml, save_ml_run

__all__ = ["FeatureSpec", "LIMITS", "LearnerKind", "MLConfig", "MLFit", "fit_ml",
           "load_ml_run", "predict_ml", "save_ml_run"]
