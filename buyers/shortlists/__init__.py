"""Shortlists shared by a group: who may do what (`access`), invitations and rights (`sharing`)."""
