"""Tests of the HR page (serving.ui)."""
