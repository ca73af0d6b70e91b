"""The ISSP dashboard: a user's own listings, their parts, submission, team and inquiries."""
