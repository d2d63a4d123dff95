"""An email to a Mailchimp campaign: the API (live or dry run), the push, the report."""
