"""reviewgen: virtualization security reviews as code."""

__version__ = "0.1.0"
