"""Inquiries beyond the plain thread: claim links for unclaimed listings, structured answers."""
