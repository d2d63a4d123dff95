"""Catalyst: the newsletter-as-code toolkit (content model, site, email, Mailchimp push)."""

__version__ = "0.1.0"
