"""Delivery: signing and sending over HTTP, the dispatcher and its QThread host.

The only package that creates threads. ``send`` and ``send_test_request`` are Qt-free.
"""
