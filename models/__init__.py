"""Training, evaluation and the model registry: pure modelling code plus the MLflow glue.

Import the submodules directly (``models.backtest``, ``models.registry``...): nothing here
loads LightGBM or MLflow at import.
"""
