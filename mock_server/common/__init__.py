"""Building blocks every vendor's domain may use: settings, an outbox, password hashing, values."""
