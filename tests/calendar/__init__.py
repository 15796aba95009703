"""Calendar feeds: the feed URL mutations, and the iCalendar feed served at /calendar/<token>.ics."""
