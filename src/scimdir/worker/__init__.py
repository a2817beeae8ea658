"""Background workers: webhook delivery (``delivery.py``)."""
