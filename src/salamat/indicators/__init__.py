"""The indicator catalogue: each indicator is a definition (data), not code.

``definitions`` parses and checks a definition; the bundled ones are ``data/data_elements.csv``
and the store keeps them (``store/indicators.py``).
"""
