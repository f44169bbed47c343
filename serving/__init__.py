"""The HR-facing HTTP service (BentoML) and, later, the HR page."""
