"""The fine-tuning experiment of issue 17 (benchmarks/model_folds.py runs it): which examples a
question encoder is trained on (examples.py), from which policies and question sets (data.py),
how it is trained (fit.py), how its outcome thresholds are chosen (calibrate.py) and how an
assistant is run with it (paired.py). None of it ships: no school's policybot trains or loads a
tuned model (docs/model-experiment.md says why).
"""
