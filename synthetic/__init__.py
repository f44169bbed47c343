"""A synthetic Japanese back office that knows its own truth.

No customer data ships with the project, so the demo, the tests and the benchmarks run on
this world. :func:`synthetic.build.build_world` simulates it; :mod:`synthetic.records`
turns it into the contract's tables and :mod:`synthetic.truth` computes what a perfect
model would know. Writing files is left to ``pipelines/generate.py``.
"""
