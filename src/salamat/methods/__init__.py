"""The methods: pure numbers, one textbook concept a module.

Arrays shaped ``(..., ages)`` in, values with their method and interval out. Nothing here reads a
file, the clock, the network or the store (``tests/test_public_api.py`` checks the imports).
"""
