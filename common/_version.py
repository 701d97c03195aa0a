"""The SDK's version, shared by every package of the distribution."""

__all__ = ["__version__"]

__version__ = "0.1.0"
