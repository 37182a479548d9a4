"""Bilateral trade target dashboard: is a declared trade target on track?"""

__version__ = "0.1.0"
